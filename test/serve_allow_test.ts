/**
 * A 405 names the methods the route allows in its `Allow` header, as
 * RFC 9110 (section 15.5.6) requires, on both HTTP engines.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { HTTP_ENGINES, startModelServer } from "../lib/serve/mod.ts";

for (const engine of HTTP_ENGINES) {
  Deno.test(`405 replies carry Allow (${engine})`, async () => {
    await using server = await startModelServer({ port: 0, engine });
    const cases: [string, string, string][] = [
      ["PUT", "/model", "POST"],
      ["GET", "/estimate", "POST"],
      ["POST", "/healthz", "GET, HEAD"],
      ["DELETE", "/metrics", "GET, HEAD"],
      ["POST", "/models/v0.7/p/acpi/AbsPower/BPFOnly/m.json", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const r = await fetch(`${server.url}${path}`, { method });
      const body = await r.json();
      assertEquals(
        [r.status, r.headers.get("allow"), body.error],
        [
          405,
          allow,
          `Method ${method} is not allowed here: use ${allow.split(",")[0]}`,
        ],
        `${method} ${path}`,
      );
    }
  });
}
