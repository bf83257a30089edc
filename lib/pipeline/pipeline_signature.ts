/**
 * A signature of the files a pipeline is read from, so a watcher notices
 * that it changed: its metadata, index and summaries, and every entry of
 * every model group folder (name, time and size).
 *
 * @module
 */
import { join } from "node:path";
import {
  groupDir,
  modelMetadataCsv,
  pipelineDir,
  pipelineFile,
} from "../layout.ts";
import { ALL_FEATURE_GROUPS, ENERGY_SOURCES, OUTPUT_TYPES } from "../types.ts";

async function statKey(path: string): Promise<string> {
  try {
    const s = await Deno.stat(path);
    return `${s.mtime?.getTime() ?? 0}:${s.size}`;
  } catch {
    return "-";
  }
}

/**
 * A signature of the files a pipeline is served from: top-level metadata,
 * index and summaries, and every entry of every model group folder.
 *
 * @param modelPath The model folder.
 * @param name The pipeline's name.
 * @returns The signature: it changes when a file readPipeline reads changes.
 *
 * @example
 * ```ts
 * import { pipelineSignature } from "./pipeline_signature.ts";
 * import { ok as assert } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/p/acpi/AbsPower/BPFOnly`, { recursive: true });
 * const before = await pipelineSignature(dir, "p");
 * await Deno.writeTextFile(`${dir}/p/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json`, "{}");
 * assert(before !== await pipelineSignature(dir, "p"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function pipelineSignature(
  modelPath: string,
  name: string,
): Promise<string> {
  const dir = pipelineDir(modelPath, name);
  const parts: string[] = [
    await statKey(pipelineFile(dir, "metadata")),
    await statKey(pipelineFile(dir, "nodeTypeIndex")),
  ];
  for (const source of ENERGY_SOURCES) {
    for (const ot of OUTPUT_TYPES) {
      parts.push(await statKey(modelMetadataCsv(dir, source, ot)));
      for (const fg of ALL_FEATURE_GROUPS) {
        const group = groupDir(dir, source, ot, fg);
        const names: string[] = [];
        try {
          for await (const e of Deno.readDir(group)) names.push(e.name);
        } catch {
          continue;
        }
        names.sort();
        for (const n of names) {
          parts.push(`${group}/${n}=${await statKey(join(group, n))}`);
        }
      }
    }
  }
  return parts.join("|");
}
