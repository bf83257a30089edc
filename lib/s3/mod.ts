/**
 * Object storage for Tekton runs: push collected data, pipelines and
 * exports to an S3 bucket (AWS, S3-compatible servers, IBM Cloud Object
 * Storage) and load them back, with upstream's key layout.
 *
 * @module
 */
export {
  connectionFromSecret,
  IBM_IAM_TOKEN_URL,
  parseS3Provider,
  parseSecretManifest,
  readSecret,
  S3_PROVIDERS,
  SECRET_KEYS,
} from "./connection.ts";
export type {
  ConnectionOverrides,
  HmacAuth,
  IamAuth,
  S3Connection,
  S3Provider,
} from "./connection.ts";
export { fetchIbmIamToken, ibmIamTokenProvider } from "./ibm_iam_token.ts";
export type { IamToken, IamTokenOptions } from "./ibm_iam_token.ts";
export { openObjectStore } from "./object_store.ts";
export type { ObjectStore, OpenObjectStoreOptions } from "./object_store.ts";
export {
  dataPrefix,
  EXPORT_PREFIX,
  keyUnder,
  localPathOf,
  MODELS_PREFIX,
  pipelineKeys,
  UPSTREAM_KEY_PREFIX,
} from "./bucket_keys.ts";
export { pushPlan } from "./push_plan.ts";
export type { PushItem, PushPlanOptions } from "./push_plan.ts";
export { contentTypeOf, s3Push } from "./s3_push.ts";
export type { S3PushOptions, S3PushResult } from "./s3_push.ts";
export { s3Load } from "./s3_load.ts";
export type { LoadItem, S3LoadOptions } from "./s3_load.ts";
