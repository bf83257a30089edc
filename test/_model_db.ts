/**
 * Helpers for the estimator tests: kepler-model-db's published files (the
 * copy in test/testdata) over HTTP, Kepler's linear formula on a weight
 * file, and one request on the estimator socket.
 *
 * @module
 */
import { join } from "node:path";
import { ROOT } from "./_cli.ts";

/** The copy of kepler-model-db's `models/v0.7`. */
export const MODEL_DB = join(ROOT, "test/testdata/kepler-model-db/models/v0.7");

/** A Kepler weight file, as far as the linear formula reads it. */
export type Weights = Record<string, {
  All_Weights: {
    Bias_Weight: number;
    Numerical_Variables: Record<string, { scale: number; weight: number }>;
  };
}>;

/**
 * Kepler's linear predictor (P = bias + Σ weight · x / scale, features with
 * a zero scale or weight skipped) on one row, clipped at 0 as the
 * estimator clips.
 */
export function keplerLinear(
  weights: Weights,
  component: string,
  row: Readonly<Record<string, number>>,
): number {
  const all = weights[component]!.All_Weights;
  let p = all.Bias_Weight;
  for (
    const [f, { scale, weight }] of Object.entries(all.Numerical_Variables)
  ) {
    if (scale !== 0 && weight !== 0) p += weight * (row[f] ?? 0) / scale;
  }
  return Math.max(0, p);
}

/**
 * Serves {@linkcode MODEL_DB} as raw.githubusercontent.com serves
 * kepler-model-db (`/models/v0.7/<path>`); `top` is that prefix's URL.
 */
export function serveModelDb(): { server: Deno.HttpServer; top: string } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname.replace(/^\/models\/v0\.7\//, "");
      try {
        return new Response(await Deno.readFile(join(MODEL_DB, path)));
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  return {
    server,
    top: `http://127.0.0.1:${server.addr.port}/models/v0.7`,
  };
}

/** Sends one JSON request on the estimator socket and reads its reply. */
export async function askSocket(path: string, body: unknown): Promise<unknown> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(new TextEncoder().encode(JSON.stringify(body)));
    return await new Response(conn.readable).json();
  } finally {
    try {
      conn.close();
    } catch { /* closed by the reader */ }
  }
}
