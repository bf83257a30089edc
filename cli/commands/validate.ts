/**
 * `validate`: upstream's validate table of a query JSON as CSV, and a
 * summary a person can read.
 *
 * @module
 */
import {
  type CommandDefinition,
  needString,
  numberParser,
  optString,
} from "../command.ts";
import {
  formatValidationSummary,
  validateQueryFile,
} from "../../lib/query/mod.ts";

function listOption(value: string, previous: string[] | undefined): string[] {
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return [...(previous ?? []), ...items];
}

/** The `validate` command. */
export const validate: CommandDefinition = {
  name: "validate",
  summary: "check how much usable data a query JSON holds",
  define(command) {
    command
      .option("-i, --input <name>", "query JSON: <data>/<name>.json")
      .option(
        "--benchmark <name>",
        "benchmark name: pods whose name contains it; a CPE Benchmark CR at <data>/<name>.json",
      )
      .option(
        "-o, --output <name>",
        "table at <data>/<name>.csv (default: <data>/<input>_validate_result.csv)",
      )
      .option(
        "--thirdparty-metrics <names...>",
        "third-party metrics (default: $PROM_THIRDPARTY_METRICS)",
        listOption,
      )
      .option(
        "--step <seconds>",
        "expected sample spacing for gap detection (default: each series' median)",
        numberParser({ min: 0.001 }),
      );
  },
  async run(options, context) {
    const input = needString(options, "input", "-i/--input");
    const benchmark = optString(options, "benchmark");
    const output = optString(options, "output");
    const thirdParty = (options.thirdpartyMetrics as string[] | undefined) ??
      context.config.promThirdpartyMetrics;
    const step = options.step as number | undefined;
    const { report, file } = await validateQueryFile(
      context.config.dataPath,
      input,
      {
        thirdParty,
        ...(benchmark === undefined ? {} : { benchmark }),
        ...(output === undefined ? {} : { output }),
        ...(step === undefined ? {} : { step }),
      },
    );
    for (const line of formatValidationSummary(report.summary)) {
      context.out(line);
    }
    context.out(`Wrote ${file}`);
  },
};
