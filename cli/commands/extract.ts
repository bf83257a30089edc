/**
 * `extract`: a query JSON to `extracted_<output>.csv` (upstream's flags).
 *
 * @module
 */
import { command } from "../command.ts";
import {
  DATA_CHECK_OPTIONS,
  EXTRACT_OPTIONS,
  extractOptionsOf,
  featureGroupOf,
  inputOf,
  OUTPUT_TYPE_OPTION,
} from "./_stage_flags.ts";
import { extractFile } from "../../lib/extract/mod.ts";

/** The `extract` command. */
export const extract = command({
  name: "extract",
  summary: "extract per-second features and power labels from a query JSON",
  options: { ...EXTRACT_OPTIONS, ...DATA_CHECK_OPTIONS, ...OUTPUT_TYPE_OPTION },
  async run(options, context) {
    const { frame, file } = await extractFile(
      inputOf(options),
      featureGroupOf(options),
      {
        ...extractOptionsOf(options, context),
        dataPath: context.config.dataPath,
        output: options.output,
      },
    );
    context.out(
      `Extracted ${frame.length} ${frame.level} rows of ${frame.featureNames.length} features and ${frame.components.length} power labels from ${frame.instances.length} Kepler instance(s)`,
    );
    context.out(`Wrote ${file}`);
  },
});
