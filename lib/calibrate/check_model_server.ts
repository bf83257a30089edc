/**
 * Asks the model server (`serve`) whether it answers, and which generation
 * of a pipeline it hands out: `GET /best-models?detail=true`. Calibrate
 * skips a cycle the server does not answer (a model server restart).
 *
 * @module
 */

/** Options of {@linkcode checkModelServer}. */
export interface CheckModelServerOptions {
  /**
   * Time for the request, milliseconds.
   *
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * Energy source asked about.
   *
   * @default {"rapl-sysfs"}
   */
  source?: string;
}

/**
 * The generations of `pipeline` the model server at `url` hands out (empty
 * when it has none of it yet, e.g. before an onboarding).
 *
 * @param url The model server, e.g. `http://kepler-model-server:8100`.
 * @param pipeline The pipeline's name.
 * @param options Timeout and source.
 * @returns The generations, sorted, without repeats.
 * @throws {Error} when the server does not answer in time, answers with an
 *   error status or with a reply that is not serve's.
 *
 * @example
 * ```ts
 * import { checkModelServer } from "./check_model_server.ts";
 * import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
 * const server = Deno.serve({ port: 0, onListen() {} }, () =>
 *   Response.json({ best_models: {}, node_types: [
 *     { pipeline: "calibrated", generation: "3" },
 *     { pipeline: "other", generation: "9" },
 *   ] }));
 * const url = `http://127.0.0.1:${server.addr.port}`;
 * assertEquals(await checkModelServer(url, "calibrated"), ["3"]);
 * await server.shutdown();
 * await rejects(checkModelServer(url, "calibrated", { timeoutMs: 500 }));
 * ```
 */
export async function checkModelServer(
  url: string,
  pipeline: string,
  options: CheckModelServerOptions = {},
): Promise<string[]> {
  const query = new URLSearchParams({
    "energy-source": options.source ?? "rapl-sysfs",
    "pipeline-name": pipeline,
    detail: "true",
  });
  const target = `${url.replace(/\/+$/, "")}/best-models?${query}`;
  let response: Response;
  try {
    response = await fetch(target, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new Error(
      `no answer from ${target}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${target} answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  let rows: unknown;
  try {
    rows = (JSON.parse(text) as { node_types?: unknown }).node_types;
  } catch {
    rows = undefined;
  }
  if (!Array.isArray(rows)) {
    throw new Error(`${target} answered without node_types: not serve's reply`);
  }
  const generations = new Set<string>();
  for (const r of rows as { pipeline?: unknown; generation?: unknown }[]) {
    if (r?.pipeline === pipeline) generations.add(String(r.generation ?? ""));
  }
  return [...generations].sort();
}
