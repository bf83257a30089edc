/**
 * `isolate`: a query JSON, extracted per container and isolated, to
 * `isolated_<output>.csv` (upstream's flags).
 *
 * @module
 */
import { about } from "./registry.ts";
import { command } from "../command.ts";
import {
  backgroundModelsOf,
  DATA_CHECK_OPTIONS,
  EXTRACT_OPTIONS,
  extractOptionsOf,
  featureGroupOf,
  inputOf,
  ISOLATE_OPTIONS,
  isolateOptionsOf,
} from "./_stage_flags.ts";
import { isolateFile } from "../../lib/isolate/mod.ts";

/** The `isolate` command. */
export const isolate = command({
  ...about("isolate"),
  options: { ...EXTRACT_OPTIONS, ...DATA_CHECK_OPTIONS, ...ISOLATE_OPTIONS },
  async run(options, context) {
    const { frame, file, profileFiles } = await isolateFile(
      inputOf(options),
      featureGroupOf(options),
      {
        ...extractOptionsOf(options, context),
        ...isolateOptionsOf(options, context),
        ...(await backgroundModelsOf(options, context)),
      },
    );
    for (const f of profileFiles) context.out(`Wrote ${f}`);
    context.out(
      `Isolated ${frame.length} rows with the ${options.isolator} isolator`,
    );
    context.out(`Wrote ${file}`);
  },
});
