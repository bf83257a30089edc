/**
 * The frame level of an output type: AbsPower models learn from node-level
 * rows, DynPower models from container-level rows (isolated afterwards).
 *
 * @module
 */
import type { OutputType } from "../types.ts";
import type { FrameLevel } from "./frame.ts";

/**
 * The level an output type's data is extracted at: `"node"` for
 * `AbsPower`, `"container"` for `DynPower`.
 *
 * @param outputType The model output type.
 * @returns The frame level its training data is extracted at.
 *
 * @example
 * ```ts
 * import { frameLevel } from "./frame_level.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(frameLevel("AbsPower"), "node");
 * assertEquals(frameLevel("DynPower"), "container");
 * ```
 */
export function frameLevel(outputType: OutputType): FrameLevel {
  return outputType === "DynPower" ? "container" : "node";
}
