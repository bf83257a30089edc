/**
 * `s3-load`: download a machine's data and a pipeline from an S3 bucket into
 * DATAPATH and MODEL_PATH (before a re-train, as upstream's s3 loader).
 *
 * @module
 */
import { about } from "./registry.ts";
import { command, given, option } from "../command.ts";
import { UsageError } from "../errors.ts";
import { s3Load } from "../../lib/s3/mod.ts";
import { openStoreFromFlags, S3_OPTIONS } from "./s3_push.ts";

/** The `s3-load` command. */
export const s3LoadCommand = command({
  ...about("s3-load"),
  options: {
    ...S3_OPTIONS,
    pipelineName: option(
      "-p, --pipeline-name <name>",
      "pipeline to load into MODEL_PATH (default: data only)",
    ),
  },
  async run(options, context) {
    if (given(options.secret) === undefined) {
      throw new UsageError("missing required option --secret <path>");
    }
    const { dataPath, modelPath } = context.config;
    const machineId = given(options.machineId);
    const pipeline = given(options.pipelineName);
    const store = await openStoreFromFlags(options);
    try {
      const loaded = await s3Load(store, {
        dataPath,
        modelPath,
        ...(machineId === undefined ? {} : { machineId }),
        ...(pipeline === undefined ? {} : { pipeline }),
        onObject: (key, path, bytes) => {
          if (options.quiet !== true) {
            context.err(`loaded ${key} -> ${path} (${bytes} B)`);
          }
        },
      });
      context.out(
        `Loaded ${loaded.length} objects from bucket "${store.bucket}" at ${store.location} into ${dataPath}${
          pipeline === undefined ? "" : ` and ${modelPath}`
        }`,
      );
    } finally {
      store.close();
    }
  },
});
