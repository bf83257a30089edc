/**
 * `s3-push`: upload collected data, pipelines and an export to an S3 bucket
 * (AWS, an S3-compatible server, or IBM Cloud Object Storage), as the
 * Tekton pipelines of seed 003 do after collecting and training.
 *
 * Credentials come from a Kubernetes secret (a mounted folder of key files
 * or a Secret manifest, keys as in tekton/secrets/), never from flags, so
 * they stay out of process lists and logs.
 *
 * @module
 */
import type { Command } from "commander";
import type { CliContext, CommandDefinition } from "../command.ts";
import { needString, optString } from "../command.ts";
import { UsageError } from "../errors.ts";
import {
  connectionFromSecret,
  type ConnectionOverrides,
  type ObjectStore,
  openObjectStore,
  parseS3Provider,
  pushPlan,
  readSecret,
  s3Push,
} from "../../lib/s3/mod.ts";

/** Adds the flags `s3-push` and `s3-load` share. */
export function defineS3Flags(command: Command): Command {
  return command
    .option(
      "--secret <path>",
      "Kubernetes secret with the bucket and credentials: a mounted secret folder or a Secret manifest (keys as in tekton/secrets/)",
    )
    .option(
      "--provider <name>",
      "aws or ibmcloud (default: ibmcloud if the secret has apiKey, else aws)",
    )
    .option("--bucket-name <name>", "bucket (default: the secret's bucketName)")
    .option(
      "--endpoint <url>",
      "endpoint URL (default: the secret's serviceEndpoint; AWS: the region's)",
    )
    .option("--region <name>", "region (default: the secret's regionName)")
    .option(
      "--iam-endpoint <url>",
      "IBM Cloud IAM token endpoint (default: the secret's iamEndpoint, else IBM's public one)",
    )
    .option(
      "--machine-id <id>",
      "machine id: the data's folder in the bucket (default: none, data/)",
    )
    .option("--quiet", "no line per object");
}

/** Reads the secret and the flags into an open bucket. */
export async function openStoreFromFlags(
  options: Record<string, unknown>,
): Promise<ObjectStore> {
  const secretPath = needString(options, "secret", "--secret <path>");
  const providerFlag = optString(options, "provider");
  let overrides: ConnectionOverrides;
  try {
    overrides = {
      ...(providerFlag === undefined
        ? {}
        : { provider: parseS3Provider(providerFlag) }),
    };
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const flags: [keyof ConnectionOverrides, string][] = [
    ["bucket", "bucketName"],
    ["endpoint", "endpoint"],
    ["region", "region"],
    ["iamEndpoint", "iamEndpoint"],
  ];
  for (const [field, key] of flags) {
    const v = optString(options, key);
    if (v !== undefined) (overrides as Record<string, string>)[field] = v;
  }
  const secret = await readSecret(secretPath);
  return await openObjectStore(
    connectionFromSecret(secret, overrides, `the secret ${secretPath}`),
  );
}

function listOf(value: unknown): string[] {
  return (typeof value === "string" ? value : "").split(",").map((s) =>
    s.trim()
  ).filter((s) => s !== "");
}

function size(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function run(
  options: Record<string, unknown>,
  context: CliContext,
): Promise<void> {
  const { dataPath, modelPath } = context.config;
  const machineId = optString(options, "machineId");
  const exportPath = optString(options, "exportPath");
  const plan = await pushPlan({
    dataPath,
    modelPath,
    dataFiles: [
      ...listOf(options.queryData),
      ...listOf(options.idleData),
      ...listOf(options.benchmark),
    ],
    pipelines: listOf(options.pipelineName),
    ...(machineId === undefined ? {} : { machineId }),
    ...(exportPath === undefined ? {} : { exportPath }),
  });
  if (options.dryRun === true) {
    for (const item of plan) context.out(`${item.key} <- ${item.path}`);
    context.out(`Would push ${plan.length} objects (dry run)`);
    return;
  }
  const store = await openStoreFromFlags(options);
  try {
    const result = await s3Push(store, plan, {
      onObject: (item, bytes) => {
        if (options.quiet !== true) {
          context.err(`pushed ${item.key} (${size(bytes)})`);
        }
      },
    });
    context.out(
      `Pushed ${result.objects} objects (${
        size(result.bytes)
      }) to bucket "${store.bucket}" at ${store.location}`,
    );
  } finally {
    store.close();
  }
}

/** The `s3-push` command. */
export const s3PushCommand: CommandDefinition = {
  name: "s3-push",
  summary: "push collected data, pipelines and an export to an S3 bucket",
  define(command) {
    defineS3Flags(command)
      .option(
        "--query-data <names>",
        "query JSONs in DATAPATH to push when present (comma list)",
        "kepler_query",
      )
      .option("--idle-data <names>", "idle query JSONs (comma list)", "idle")
      .option(
        "--benchmark <names>",
        "benchmark files in DATAPATH (comma list)",
        "stressng",
      )
      .option(
        "-p, --pipeline-name <names>",
        "pipelines in MODEL_PATH to push, folder and zip (comma list; default: none)",
      )
      .option(
        "--export-path <dir>",
        "an export folder (export -o) to push below export/",
      )
      .option("--dry-run", "list the objects and exit, without a secret");
  },
  run: async (options, context) => {
    if (options.dryRun !== true && optString(options, "secret") === undefined) {
      throw new UsageError("missing required option --secret <path>");
    }
    await run(options, context);
  },
};
