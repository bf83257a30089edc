/**
 * `validate`: upstream's validate table of a query JSON as CSV, and a
 * summary a person can read.
 *
 * @module
 */
import { about } from "./registry.ts";
import {
  command,
  given,
  listParser,
  option,
  parser,
  required,
} from "../command.ts";
import {
  formatValidationSummary,
  validateQueryFile,
} from "../../lib/query/mod.ts";
import {
  checkQueryData,
  formatDataChecks,
  formatExclusions,
  readQueryFile,
} from "../../lib/extract/mod.ts";
import { queryFile } from "../../lib/layout.ts";
import { parseStep } from "../config.ts";
import { DATA_CHECK_OPTIONS } from "./_stage_flags.ts";

/** The `validate` command. */
export const validate = command({
  ...about("validate"),
  options: {
    input: option("-i, --input <name>", "query JSON: <data>/<name>.json"),
    benchmark: option(
      "--benchmark <name>",
      "benchmark name: pods whose name contains it; a CPE Benchmark CR at <data>/<name>.json",
    ),
    output: option(
      "-o, --output <name>",
      "table at <data>/<name>.csv (default: <data>/<input>_validate_result.csv)",
    ),
    thirdpartyMetrics: option(
      "--thirdparty-metrics <names...>",
      "third-party metrics (default: $PROM_THIRDPARTY_METRICS)",
      { parse: listParser() },
    ),
    step: option(
      "--step <step>",
      "expected sample spacing for gap detection: seconds or a Prometheus duration such as 3s, 1m (default: each series' median)",
      { parse: parser(parseStep) },
    ),
    ...DATA_CHECK_OPTIONS,
  },
  async run(options, context) {
    const input = required(options.input, "-i/--input");
    const benchmark = given(options.benchmark);
    const output = given(options.output);
    const thirdParty = options.thirdpartyMetrics ??
      context.config.promThirdpartyMetrics;
    const step = options.step;
    // extract's reader first: a file that is not a query JSON gets the same
    // one-line message as in extract, train, estimate and profile
    const query = await readQueryFile(
      queryFile(context.config.dataPath, input),
    );
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
    // what extract would exclude as data that cannot be true
    const maxPowerWatts = options.maxPowerWatts;
    const checks = checkQueryData(query, {
      thirdParty,
      vmJobName: context.config.vmJobName,
      ...(maxPowerWatts === undefined ? {} : { maxPowerWatts }),
    });
    for (const line of formatDataChecks(checks, options.maxExcluded)) {
      context.out(line);
    }
    for (const r of checks.values()) {
      const warning = r.excluded > 0 ? formatExclusions(r) : undefined;
      if (warning !== undefined) context.err(warning);
    }
    context.out(`Wrote ${file}`);
  },
});
