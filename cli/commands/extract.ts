/**
 * `extract`: a query JSON to `extracted_<output>.csv` (upstream's flags).
 *
 * @module
 */
import type { CommandDefinition } from "../command.ts";
import {
  defineExtractFlags,
  defineOutputTypeFlag,
  extractOptionsOf,
  featureGroupOf,
  inputOf,
} from "./_stage_flags.ts";
import { extractFile } from "../../lib/extract/mod.ts";

/** The `extract` command. */
export const extract: CommandDefinition = {
  name: "extract",
  summary: "extract per-second features and power labels from a query JSON",
  define(command) {
    defineOutputTypeFlag(defineExtractFlags(command));
  },
  async run(options, context) {
    const { frame, file } = await extractFile(
      inputOf(options),
      featureGroupOf(options),
      {
        ...extractOptionsOf(options, context),
        dataPath: context.config.dataPath,
        output: options.output as string,
      },
    );
    context.out(
      `Extracted ${frame.length} ${frame.level} rows of ${frame.featureNames.length} features and ${frame.components.length} power labels from ${frame.instances.length} Kepler instance(s)`,
    );
    context.out(`Wrote ${file}`);
  },
};
