/**
 * Isolate: from extracted frames to DynPower training frames (background
 * power removed, never negative), and idle profiles.
 *
 * @module
 */
export { isolate, isolateNone } from "./isolate.ts";
export { prepareFrames } from "./prepare_frames.ts";
export {
  isolateDataFile,
  isolateFile,
  profileIdleFile,
} from "./isolate_file.ts";
export { isolateFloor, isolateMin } from "./idle_estimate.ts";
export type { FloorOptions } from "./idle_estimate.ts";
export { isolateProfile } from "./isolate_profile.ts";
export { isolateTrainer } from "./isolate_trainer.ts";
export {
  idleProfiles,
  readIdleProfiles,
  writeIdleProfiles,
} from "./profile.ts";
export type {
  IdleProfile,
  IdleProfileOptions,
  IdleProfiles,
  ProfileEntry,
} from "./profile.ts";
export type {
  FileLocations,
  IsolateFileOptions,
  IsolateFileResult,
  ProfileFileOptions,
} from "./isolate_file.ts";
export type {
  BackgroundModel,
  BackgroundPredictor,
  TrainerIsolateOptions,
} from "./isolate_trainer.ts";
export type { FrameBatch, PrepareFramesOptions } from "./prepare_frames.ts";
export type { FrameSource } from "../extract/extract.ts";
export type { ProfileIsolateOptions } from "./isolate_profile.ts";
export type { IsolateOptions } from "./isolate.ts";
