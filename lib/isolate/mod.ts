/**
 * Isolate: from extracted frames to DynPower training frames (background
 * power removed, never negative), and idle profiles.
 *
 * @module
 */
export { isolate, isolateNone } from "./isolate.ts";
export type { IsolateOptions } from "./isolate.ts";
export { squeeze } from "./squeeze.ts";
export type { SqueezeOptions } from "./squeeze.ts";
export {
  idleEstimates,
  isolateMin,
  isolateQuantile,
  quantile,
} from "./idle_estimate.ts";
export type {
  IdleEstimateOptions,
  IdleEstimates,
  QuantileIsolateOptions,
} from "./idle_estimate.ts";
export { isolateProfile } from "./isolate_profile.ts";
export type { ProfileIsolateOptions } from "./isolate_profile.ts";
export { isBackground, isolateTrainer } from "./isolate_trainer.ts";
export type {
  BackgroundModel,
  BackgroundPredictor,
  TrainerIsolateOptions,
} from "./isolate_trainer.ts";
export { backgroundContainers } from "./background_containers.ts";
export {
  backgroundPower,
  idleProfiles,
  parseIdleProfile,
  readIdleProfiles,
  writeIdleProfiles,
} from "./profile.ts";
export type {
  IdleProfile,
  IdleProfileOptions,
  IdleProfiles,
  ProfileEntry,
} from "./profile.ts";
export { extractBatch, prepareFrames } from "./prepare_frames.ts";
export type { FrameBatch, PrepareFramesOptions } from "./prepare_frames.ts";
export {
  isolateDataFile,
  isolateFile,
  profileIdleFile,
} from "./isolate_file.ts";
export type {
  FileLocations,
  IsolateFileOptions,
  IsolateFileResult,
  ProfileFileOptions,
} from "./isolate_file.ts";
