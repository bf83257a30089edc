/**
 * loadInitUrlModel on bad settings: each failure is one RangeError naming
 * the key and the URL, never a bare TypeError or zip error.
 */
import { rejects as assertRejects } from "node:assert/strict";
import { loadInitUrlModel } from "./init_url_models.ts";

const KEY = "NODE_TOTAL_INIT_URL";

Deno.test("loadInitUrlModel: a bad URL, a 404, no zip, a bad weight file and an unknown key are errors naming the setting", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-init-url-bad-" });
  await Deno.writeTextFile(
    `${dir}/GradientBoostingRegressorTrainer_0.zip`,
    "<html>",
  );
  await Deno.writeTextFile(`${dir}/SGDRegressorTrainer_0.json`, "{not json");
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("gone", { status: 404 }),
  );
  try {
    const cases: [string, string, RegExp][] = [
      [KEY, "not a url", /^NODE_TOTAL_INIT_URL=not a url: /],
      [KEY, "ftp://h/m.zip", /only http, https and file URLs/],
      [
        KEY,
        `http://127.0.0.1:${server.addr.port}/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.zip`,
        /NODE_TOTAL_INIT_URL model .* the server answered 404/,
      ],
      [
        KEY,
        `file://${dir}/GradientBoostingRegressorTrainer_0.zip`,
        /^NODE_TOTAL_INIT_URL=file:\/\/.*GradientBoostingRegressorTrainer_0\.zip: /,
      ],
      [
        KEY,
        `file://${dir}/SGDRegressorTrainer_0.json`,
        /^NODE_TOTAL_INIT_URL=file:\/\/.*SGDRegressorTrainer_0\.json: /,
      ],
      [
        "NODE_INIT_URL",
        "http://h/m.zip",
        /NODE_INIT_URL is not a model URL setting/,
      ],
    ];
    for (const [key, url, message] of cases) {
      await assertRejects(
        loadInitUrlModel(key, url, { timeoutMs: 5000 }),
        (e: Error) => {
          if (!(e instanceof RangeError || e.message.includes(key))) throw e;
          if (!message.test(e.message)) throw new Error(`${url}: ${e.message}`);
          return true;
        },
      );
    }
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
