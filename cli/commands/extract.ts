/**
 * `extract`: a query JSON to `extracted_<output>.csv` (upstream's flags),
 * or, for several feature groups (`-fg BPFOnly,IRQOnly`, or `all`), one
 * `extracted_<output>_<group>.csv` per group from a single read of the
 * query.
 *
 * @module
 */
import { about } from "./registry.ts";
import { command, listParser, option } from "../command.ts";
import { UsageError } from "../errors.ts";
import {
  DATA_CHECK_OPTIONS,
  EXTRACT_OPTIONS,
  extractedOutputOf,
  extractOptionsOf,
  inputOf,
  OUTPUT_TYPE_OPTION,
} from "./_stage_flags.ts";
import { extractFiles } from "../../lib/extract/mod.ts";
import { type FeatureGroup, parseFeatureGroup } from "../../lib/types.ts";

/** `all`, or a comma list of feature groups. */
function parseGroups(value: string): FeatureGroup[] | "valid" {
  return value.trim() === "all"
    ? "valid"
    : listParser(parseFeatureGroup)(value);
}

/** The `extract` command. */
export const extract = command({
  ...about("extract"),
  options: {
    ...EXTRACT_OPTIONS,
    featureGroup: option(
      "--feature-group <list>",
      "feature group, e.g. BPFOnly, a comma list, or all for every valid one (also -fg); several write extracted_<output>_<group>.csv each",
      { parse: parseGroups },
    ),
    ...DATA_CHECK_OPTIONS,
    ...OUTPUT_TYPE_OPTION,
  },
  async run(options, context) {
    const groups = options.featureGroup;
    if (groups === undefined) {
      throw new UsageError("missing required option -fg/--feature-group");
    }
    const output = extractedOutputOf(options, context);
    const { frames, files, skipped } = await extractFiles(
      inputOf(options),
      groups,
      {
        ...extractOptionsOf(options, context),
        dataPath: context.config.dataPath,
        output,
      },
    );
    for (const [group, frame] of frames) {
      context.out(
        `Extracted ${frame.length} ${frame.level} rows of ${frame.featureNames.length} features and ${frame.components.length} power labels from ${frame.instances.length} Kepler instance(s)${
          frames.size > 1 ? ` (${group})` : ""
        }`,
      );
      context.out(`Wrote ${files.get(group)}`);
    }
    for (const { group, message } of skipped) {
      context.err(`skipped ${group}: ${message}`);
    }
  },
});
