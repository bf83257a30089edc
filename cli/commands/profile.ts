/**
 * `profile -i idle`: idle profiles of an idle query, written to
 * `<models>/<pipeline>/profile/<source>.json` in upstream's format.
 *
 * @module
 */
import { type CommandDefinition, numberParser, optString } from "../command.ts";
import { inputOf, sourceListParser } from "./_stage_flags.ts";
import { profileIdleFile } from "../../lib/isolate/mod.ts";
import type { EnergySource } from "../../lib/types.ts";

/** The `profile` command. */
export const profile: CommandDefinition = {
  name: "profile",
  summary: "write idle power profiles of an idle query into a pipeline",
  define(command) {
    command
      .option("-i, --input <name>", "idle query JSON: <data>/<name>.json")
      .option("-p, --pipeline-name <name>", "pipeline (default: std_v0.7.11)")
      .option(
        "-e, --energy-source <sources>",
        "comma list of sources (default: every source with data)",
        sourceListParser,
      )
      .option(
        "--instance-label <label>",
        "label that names a Kepler instance",
        "instance",
      )
      .option(
        "--node-type <n>",
        "node type of the idle machine",
        numberParser({ integer: true }),
        0,
      );
  },
  async run(options, context) {
    const sources = options.energySource as EnergySource[] | undefined;
    const pipelineName = optString(options, "pipelineName");
    const { profiles, files } = await profileIdleFile(inputOf(options), {
      dataPath: context.config.dataPath,
      modelPath: context.config.modelPath,
      ...(pipelineName === undefined ? {} : { pipelineName }),
      ...(sources === undefined ? {} : { sources }),
      instanceLabel: options.instanceLabel as string,
      vmJobName: context.config.vmJobName,
      nodeType: options.nodeType as number,
    });
    for (const [source, profile] of Object.entries(profiles)) {
      for (const [component, byType] of Object.entries(profile ?? {})) {
        for (const [nt, e] of Object.entries(byType)) {
          context.out(
            `${source} ${component} node type ${nt}: ${e.min_watt.toFixed(2)}–${
              e.max_watt.toFixed(2)
            } W per unit × ${e["#unit"]}`,
          );
        }
      }
    }
    for (const f of files) context.out(`Wrote ${f}`);
  },
};
