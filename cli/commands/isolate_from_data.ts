/**
 * `isolate_from_data` (also `isolate-from-data`): `extracted_<input>.csv`
 * to `isolated_<output>.csv` (upstream's flags).
 *
 * @module
 */
import { about } from "./registry.ts";
import { command, option, parser } from "../command.ts";
import {
  backgroundModelsOf,
  extractedInputOf,
  ISOLATE_OPTIONS,
  isolateOptionsOf,
} from "./_stage_flags.ts";
import { isolateDataFile } from "../../lib/isolate/mod.ts";
import { parseEnergySource } from "../../lib/types.ts";

/** The `isolate_from_data` command. */
export const isolateFromData = command({
  ...about("isolate_from_data"),
  options: {
    input: option(
      "-i, --input <name>",
      "extracted CSV: <data>/extracted_<name>.csv",
    ),
    output: option("-o, --output <name>", "output name", { default: "output" }),
    energySource: option(
      "-e, --energy-source <source>",
      "energy source of the CSV's power columns (default: acpi for platform_power, else rapl-sysfs)",
      { parse: parser(parseEnergySource) },
    ),
    ...ISOLATE_OPTIONS,
  },
  async run(options, context) {
    const source = options.energySource;
    const { frame, file, profileFiles } = await isolateDataFile(
      extractedInputOf(options, context),
      {
        ...isolateOptionsOf(options, context),
        ...(await backgroundModelsOf(options, context)),
        ...(source === undefined ? {} : { source }),
        vmJobName: context.config.vmJobName,
      },
    );
    for (const f of profileFiles) context.out(`Wrote ${f}`);
    context.out(
      `Isolated ${frame.length} rows with the ${options.isolator} isolator`,
    );
    context.out(`Wrote ${file}`);
  },
});
