/**
 * The estimator socket against clients that misbehave, over real unix
 * sockets: clients that never read their reply lose their connection after
 * the write deadline (and their slot with it), clients that leave early are
 * not logged, every request is counted in /metrics under the status
 * `POST /estimate` gives the same body (refusals as 503), and a socket path
 * in a missing folder is one clear line naming it.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { serveEstimatorSocket, startModelServer } from "../lib/serve/mod.ts";
import { runTask } from "./_cli.ts";
import {
  HAND_REQUEST,
  HAND_VALUES,
  handPower,
  writeHandPipeline,
} from "./_hand_pipeline.ts";

const ROOT = await Deno.makeTempDir({ prefix: "kepler-socket-limits-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(ROOT, { recursive: true });
  } catch { /* gone */ }
});
const MODEL_PATH = await writeHandPipeline(join(ROOT, "models"));
const encode = (s: string) => new TextEncoder().encode(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `text` as one request and reads the reply to the end. A refusal's
 * connection may end in a reset instead of an end of file (the server
 * closes it with the request unread): the reply read before counts, as
 * Kepler's single read gets it.
 */
async function ask(path: string, text: string): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  try {
    await conn.write(encode(text));
    const buf = new Uint8Array(1 << 16);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionReset) || !chunks.length) {
      throw error;
    }
  } finally {
    conn.close();
  }
  return await new Blob(chunks).text();
}

Deno.test("a client that never reads its reply loses its connection after the write deadline, and its slot with it", async () => {
  const path = join(ROOT, "slow-readers.sock");
  const statuses: number[] = [];
  const pad = "x".repeat(8 << 20); // far more than a unix socket buffers
  await using socket = await serveEstimatorSocket(
    path,
    () => ({ powers: {}, msg: "", pad }),
    {
      maxConnections: 2,
      writeTimeoutMs: 1000,
      onRequest: (_s, status) => statuses.push(status),
    },
  );
  // two clients fill the slots: each sends a request and never reads
  const stuck: Deno.Conn[] = [];
  for (let i = 0; i < 2; i++) {
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(encode('{"x": 1}'));
    stuck.push(conn);
  }
  // a new client is answered within a generous bound (the deadline is 1 s);
  // it may be refused until then
  let refused = 0, answered: { pad?: string; msg: string } | undefined;
  const until = performance.now() + 15_000;
  while (answered === undefined && performance.now() < until) {
    const reply = JSON.parse(await ask(path, '{"x": 2}'));
    if (reply.msg === "too many connections (limit 2)") {
      refused++;
      await sleep(100);
    } else answered = reply;
  }
  for (const c of stuck) c.close();
  assert(answered !== undefined, "slow readers kept every slot for 15 s");
  assertEquals([answered.msg, answered.pad?.length], ["", pad.length]);
  await socket.close();
  // the slow readers count as 408 (the HTTP side's "reply not taken in
  // time"), refusals as 503, the answered request as 200
  assertEquals(statuses.filter((s) => s === 408).length, 2, `${statuses}`);
  assertEquals(statuses.filter((s) => s === 503).length, refused);
  assertEquals(statuses.filter((s) => s === 200).length, 1, `${statuses}`);
});

Deno.test("a client that leaves before its reply is not logged; a real failure is", async () => {
  const path = join(ROOT, "leavers.sock");
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  let counted!: () => void;
  const count = new Promise<void>((r) => counted = r);
  await using socket = await serveEstimatorSocket(
    path,
    async (body) => {
      const x = JSON.parse(new TextDecoder().decode(body)).x;
      if (x === "bigint") return { n: 1n }; // JSON.stringify throws
      await gate;
      return { powers: {}, msg: "", pad: "x".repeat(1 << 20) };
    },
    { log: (l) => log.push(l), onRequest: () => counted() },
  );
  for (let i = 0; i < 5; i++) {
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(encode('{"x": "leave"}'));
    conn.close(); // gone before the reply: the write breaks the pipe
  }
  await sleep(50);
  release();
  // counted (or, before the change, not counted but logged)
  for (const t = performance.now(); performance.now() - t < 15_000;) {
    if (
      log.length > 0 || await Promise.race([count.then(() => true), sleep(50)])
    ) break;
  }
  await sleep(300);
  assertEquals(log, []);
  // a reply that cannot be written is a failure of ours, still logged
  const conn = await Deno.connect({ transport: "unix", path });
  await conn.write(encode('{"x": "bigint"}'));
  await new Response(conn.readable).text();
  await socket.close();
  assertEquals(log.length, 1, log.join("\n"));
  assert(/^estimator socket connection failed: .*BigInt/.test(log[0]!), log[0]);
});

/** The socket's request counts by status code, from /metrics. */
async function socketCounts(url: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<number, number>();
  for (
    const m of text.matchAll(
      /^kepler_model_server_requests_total\{route="socket",code="(\d+)"\} (\d+)$/gm,
    )
  ) {
    out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

/** The one status whose count went up by one between two readings. */
function counted(
  before: Map<number, number>,
  after: Map<number, number>,
): number[] {
  return [...after].filter(([code, n]) => n !== (before.get(code) ?? 0))
    .map(([code, n]) => n - (before.get(code) ?? 0) === 1 ? code : -code);
}

Deno.test("socket requests count in /metrics under the status POST /estimate answers; refusals as 503", async () => {
  const path = join(ROOT, "metrics.sock");
  await using server = await startModelServer({
    port: 0,
    reload: "off",
    modelPath: MODEL_PATH,
    estimatorSocket: path,
    maxEstimateRows: 3,
    bodyTimeoutMs: 8000,
  });
  const R = JSON.stringify(HAND_REQUEST);
  const cases: [string, string, number, RegExp][] = [
    ["an answer", R, 200, /^$/],
    ["a row of the wrong length", R.replace("[0,0]", "[0,0,7]"), 400, /Row 0/],
    ["an unknown output type", R.replace("AbsPower", "Foo"), 400, /Foo/],
    [
      "no model",
      JSON.stringify({ ...HAND_REQUEST, metrics: ["x"], values: [[1]] }),
      400,
      /no model/,
    ],
    [
      "too many rows",
      JSON.stringify({ ...HAND_REQUEST, values: [...HAND_VALUES, [1, 1]] }),
      413,
      /limit is 3/,
    ],
    ["not an object", "[1]", 400, /JSON object/],
  ];
  for (const [what, body, status, msg] of cases) {
    const http = await fetch(`${server.url}/estimate`, {
      method: "POST",
      body,
    });
    await http.body?.cancel();
    assertEquals(http.status, status, `HTTP: ${what}`);
    const before = await socketCounts(server.url);
    const reply = JSON.parse(await ask(path, body));
    assert(msg.test(reply.msg), `${what}: ${reply.msg}`);
    if (status === 200) {
      assertEquals(reply.powers.package[1], handPower("package", [1000, 50]));
    }
    assertEquals(
      counted(before, await socketCounts(server.url)),
      [status],
      what,
    );
  }
  // 64 idle clients take every slot: the next one is refused, and counted
  const idle: Deno.Conn[] = [];
  for (let i = 0; i < 64; i++) {
    idle.push(await Deno.connect({ transport: "unix", path }));
  }
  await sleep(300);
  const before = await socketCounts(server.url);
  const refusal = JSON.parse(await ask(path, R));
  assertEquals(refusal.msg, "too many connections (limit 64)");
  assertEquals(counted(before, await socketCounts(server.url)), [503]);
  for (const c of idle) c.close();
});

Deno.test("a value beyond the range of a number (1e400) is 'not a finite number', on the socket and over HTTP", async () => {
  const path = join(ROOT, "finite.sock");
  await using server = await startModelServer({
    port: 0,
    reload: "off",
    modelPath: MODEL_PATH,
    estimatorSocket: path,
  });
  const body = JSON.stringify(HAND_REQUEST).replace("[1000,50]", "[1e400,50]");
  assert(body.includes("1e400"));
  const want =
    /^(failed to handle request: )?Row 1 of "values" has Infinity for bpf_cpu_time_ms, which is not a finite number/;
  const socket = JSON.parse(await ask(path, body));
  assert(want.test(socket.msg), socket.msg);
  const http = await (await fetch(`${server.url}/estimate`, {
    method: "POST",
    body,
  })).json();
  assert(want.test(http.msg), http.msg);
});

Deno.test("serve_estimator with a socket in a missing folder says so in one line naming the path", async () => {
  const socket = join(ROOT, "no-such-folder", "x.sock");
  const r = await runTask(
    "serve_estimator",
    ["--port", "0", "--estimator-socket", socket],
    { env: { MODEL_PATH, CONFIG_PATH: join(ROOT, "no-config") } },
  );
  assert(r.code !== 0);
  const errors = r.stderr.split("\n").filter((l) => l.includes("error"));
  assertEquals(
    errors.join("\n"),
    `kepler-model: error: Cannot listen on the estimator socket ${socket}: its folder ${
      join(ROOT, "no-such-folder")
    } does not exist`,
  );
});
