/**
 * `profile -i idle`: idle profiles of an idle query, written to
 * `<models>/<pipeline>/profile/<source>.json` in upstream's format.
 *
 * @module
 */
import { pipelineOptionsOf } from "./_pipeline_place.ts";
import { about } from "./registry.ts";
import { command, given, numberParser, option } from "../command.ts";
import { inputOf, sourceListParser } from "./_stage_flags.ts";
import { profileIdleFile } from "../../lib/isolate/mod.ts";

/** The `profile` command. */
export const profile = command({
  ...about("profile"),
  options: {
    input: option("-i, --input <name>", "idle query JSON: <data>/<name>.json"),
    pipelineName: option(
      "-p, --pipeline-name <name>",
      "pipeline in MODEL_PATH, or its folder path (default: std_v0.7.11)",
    ),
    energySource: option(
      "-e, --energy-source <sources>",
      "comma list of sources (default: every source with data)",
      { parse: sourceListParser },
    ),
    instanceLabel: option(
      "--instance-label <label>",
      "label that names a Kepler instance",
      { default: "instance" },
    ),
    nodeType: option("--node-type <n>", "node type of the idle machine", {
      parse: numberParser({ integer: true }),
      default: 0,
    }),
  },
  async run(options, context) {
    const sources = options.energySource;
    const { profiles, files } = await profileIdleFile(inputOf(options), {
      dataPath: context.config.dataPath,
      ...pipelineOptionsOf(
        context.config.modelPath,
        given(options.pipelineName),
      ),
      ...(sources === undefined ? {} : { sources }),
      instanceLabel: options.instanceLabel,
      vmJobName: context.config.vmJobName,
      nodeType: options.nodeType,
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
});
