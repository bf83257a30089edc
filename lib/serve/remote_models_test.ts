/**
 * RemoteModels against misbehaving model servers: an answer that is no
 * zip, a 400, a zip of pickles, and one that never completes. Each gives no
 * model and one warning; the server is not asked again before `retryMs`,
 * and concurrent requests share one ask.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { RemoteModels } from "./remote_models.ts";
import { parsePowerRequest } from "./power_request.ts";
import { zipEntries } from "../io/zip.ts";

const REQUEST = parsePowerRequest({
  metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
  values: [[1, 2]],
  output_type: "AbsPower",
  source: "acpi",
});

const text = (s: string) => new TextEncoder().encode(s);
const PICKLED = zipEntries({
  "metadata.json": text(JSON.stringify({
    model_name: "GradientBoostingRegressorTrainer_0",
    features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
    output_type: "AbsPower",
  })),
  "GradientBoostingRegressorTrainer_0.json": text(JSON.stringify({
    platform: { model_file: "platform.pkl", features: [], fe_files: [] },
  })),
  "platform.pkl": text("not a model kepler-model runs"),
}) as Uint8Array<ArrayBuffer>;

async function withServer(
  answer: () => Response | Promise<Response>,
  fn: (url: string, asked: () => number) => Promise<void>,
): Promise<void> {
  let asked = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      asked++;
      await req.body?.cancel();
      return await answer();
    },
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/model`, () => asked);
  } finally {
    await server.shutdown();
  }
}

for (
  const [what, answer, reason] of [
    [
      "no zip",
      () => new Response("<html>oops</html>"),
      /the model server http:\/\/127\.0\.0\.1:\d+\/model answered no usable model: .*zip/,
    ],
    [
      "a 400",
      () => new Response("no model", { status: 400 }),
      /the server answered 400/,
    ],
    [
      "a zip of pickles",
      () =>
        new Response(PICKLED, {
          headers: {
            "content-disposition":
              'attachment; filename="GradientBoostingRegressorTrainer_0.zip"',
          },
        }),
      /GradientBoostingRegressorTrainer_0|cannot be evaluated|pickle/,
    ],
  ] as const
) {
  Deno.test(`RemoteModels: ${what} gives no model, one warning, and no second ask before retryMs`, async () => {
    await withServer(answer, async (url, asked) => {
      const log: string[] = [];
      const remote = new RemoteModels(url, {
        retryMs: 60_000,
        log: (l) => log.push(l),
      });
      const both = await Promise.all([
        remote.modelFor(REQUEST),
        remote.modelFor(REQUEST),
      ]);
      assertEquals(both, [undefined, undefined]);
      assertEquals(await remote.modelFor(REQUEST), undefined);
      assertEquals(asked(), 1);
      assertEquals(log.length, 1, log.join("\n"));
      assert(log[0]!.startsWith("warning: "), log[0]);
      assert(reason.test(log[0]!), log[0]);
      assert(
        log[0]!.endsWith(
          "; the estimator answers acpi AbsPower without it for now",
        ),
        log[0],
      );
      // after retryMs it asks again
      const again = new RemoteModels(url, { retryMs: 0, log: () => {} });
      await again.modelFor(REQUEST);
      await again.modelFor(REQUEST);
      assertEquals(asked(), 3);
    });
  });
}

Deno.test("RemoteModels: a server that never finishes its answer gives no model within timeoutMs", async () => {
  await withServer(
    () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(text("PK"));
          },
        }),
      ),
    async (url) => {
      const log: string[] = [];
      const remote = new RemoteModels(url, {
        timeoutMs: 300,
        log: (l) => log.push(l),
      });
      assertEquals(await remote.modelFor(REQUEST), undefined);
      assert(log[0]!.includes("no complete answer within 300 ms"), log[0]);
    },
  );
});
