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
import { about } from "./registry.ts";
import {
  type CliContext,
  command,
  flag,
  given,
  listParser,
  option,
  type OptionValues,
  required,
} from "../command.ts";
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

/** The flags `s3-push` and `s3-load` share. */
export const S3_OPTIONS = {
  secret: option(
    "--secret <path>",
    "Kubernetes secret with the bucket and credentials: a mounted secret folder or a Secret manifest (keys as in tekton/secrets/)",
  ),
  provider: option(
    "--provider <name>",
    "aws or ibmcloud (default: ibmcloud if the secret has apiKey, else aws)",
  ),
  bucketName: option(
    "--bucket-name <name>",
    "bucket (default: the secret's bucketName)",
  ),
  endpoint: option(
    "--endpoint <url>",
    "endpoint URL (default: the secret's serviceEndpoint; AWS: the region's)",
  ),
  region: option(
    "--region <name>",
    "region (default: the secret's regionName)",
  ),
  iamEndpoint: option(
    "--iam-endpoint <url>",
    "IBM Cloud IAM token endpoint (default: the secret's iamEndpoint, else IBM's public one)",
  ),
  machineId: option(
    "--machine-id <id>",
    "machine id: the data's folder in the bucket (default: none, data/)",
  ),
  quiet: flag("--quiet", "no line per object"),
} as const;

/** Reads the secret and the flags into an open bucket. */
export async function openStoreFromFlags(
  options: OptionValues<typeof S3_OPTIONS>,
): Promise<ObjectStore> {
  const secretPath = required(options.secret, "--secret <path>");
  const providerFlag = given(options.provider);
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
  const bucket = given(options.bucketName);
  const endpoint = given(options.endpoint);
  const region = given(options.region);
  const iamEndpoint = given(options.iamEndpoint);
  overrides = {
    ...overrides,
    ...(bucket === undefined ? {} : { bucket }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(iamEndpoint === undefined ? {} : { iamEndpoint }),
  };
  const secret = await readSecret(secretPath);
  return await openObjectStore(
    connectionFromSecret(secret, overrides, `the secret ${secretPath}`),
  );
}

function size(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The options of `s3-push`. */
const OPTIONS = {
  ...S3_OPTIONS,
  queryData: option(
    "--query-data <names>",
    "query JSONs in DATAPATH to push when present (comma list)",
    {
      parse: listParser(),
      default: ["kepler_query"],
      defaultHelp: '"kepler_query"',
    },
  ),
  idleData: option("--idle-data <names>", "idle query JSONs (comma list)", {
    parse: listParser(),
    default: ["idle"],
    defaultHelp: '"idle"',
  }),
  benchmark: option(
    "--benchmark <names>",
    "benchmark files in DATAPATH (comma list)",
    { parse: listParser(), default: ["stressng"], defaultHelp: '"stressng"' },
  ),
  pipelineName: option(
    "-p, --pipeline-name <names>",
    "pipelines in MODEL_PATH to push, folder and zip (comma list; default: none)",
    { parse: listParser() },
  ),
  exportPath: option(
    "--export-path <dir>",
    "an export folder (export -o) to push below export/",
  ),
  dryRun: flag("--dry-run", "list the objects and exit, without a secret"),
} as const;

async function run(
  options: OptionValues<typeof OPTIONS>,
  context: CliContext,
): Promise<void> {
  const { dataPath, modelPath } = context.config;
  const machineId = given(options.machineId);
  const exportPath = given(options.exportPath);
  const plan = await pushPlan({
    dataPath,
    modelPath,
    dataFiles: [
      ...options.queryData,
      ...options.idleData,
      ...options.benchmark,
    ],
    pipelines: options.pipelineName ?? [],
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
export const s3PushCommand = command({
  ...about("s3-push"),
  options: OPTIONS,
  run: async (options, context) => {
    if (options.dryRun !== true && given(options.secret) === undefined) {
      throw new UsageError("missing required option --secret <path>");
    }
    await run(options, context);
  },
});
