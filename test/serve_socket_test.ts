/**
 * The estimator sidecar protocol on a unix socket in a temp folder:
 * upstream's framing (one JSON request per connection, arriving over any
 * number of reads; one JSON reply, then the connection closes), the opt-in
 * length framing, errors in upstream's reply shape, limits and timeouts,
 * and stale socket files. Expected powers are computed by hand from a
 * hand-written linear model.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { startModelServer } from "../lib/serve/mod.ts";
import type { ModelServerOptions } from "../lib/serve/mod.ts";
import {
  HAND_REQUEST,
  HAND_SPEC,
  HAND_VALUES,
  handPower,
  writeHandPipeline,
} from "./_hand_pipeline.ts";

const ROOT = await Deno.makeTempDir({ prefix: "kepler-serve-socket-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(ROOT, { recursive: true });
  } catch { /* gone */ }
});

/** A hand-written pipeline: one linear model with a conformal interval. */
const MODEL_PATH = await writeHandPipeline(join(ROOT, "models"));
const SPEC = HAND_SPEC;
const byHand = handPower;
const VALUES = HAND_VALUES;
const REQUEST = HAND_REQUEST;

let counter = 0;
async function withSocket(
  options: Partial<ModelServerOptions>,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const path = join(ROOT, `e${counter++}.sock`);
  await using server = await startModelServer({
    port: 0,
    reload: "off",
    modelPath: MODEL_PATH,
    estimatorSocket: path,
    machineSpec: { cores: 4 },
    ...options,
  });
  assertEquals(server.socketPath, path);
  await fn(path);
}

async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(1024);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Sends text in pieces (with pauses), then reads the reply to EOF. */
async function ask(
  path: string,
  pieces: string[],
  pauseMs = 15,
): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    for (const p of pieces) {
      await conn.write(new TextEncoder().encode(p));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    return new TextDecoder().decode(await readAll(conn));
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

function checkPowers(reply: { powers: Record<string, number[]> }): void {
  for (const c of ["package", "dram"] as const) {
    assertEquals(reply.powers[c]!.length, VALUES.length);
    reply.powers[c]!.forEach((p, i) =>
      assert(Math.abs(p - byHand(c, VALUES[i]!)) < 1e-9, `${c} row ${i}: ${p}`)
    );
  }
}

Deno.test("the estimator socket answers a request split over many reads, anywhere, with upstream's reply", async () => {
  await withSocket({}, async (path) => {
    // a nested object first and a "}" inside a string: upstream's
    // `chunk.endswith("}")` stops early when a read ends right after them
    const text = JSON.stringify({
      machine_spec: { cores: 4 },
      ...REQUEST,
      system_values: ["Sapphire}Rapids"],
      filter: "mae:10;features:bpf_cpu_time_ms,bpf_page_cache_hit",
    });
    const cuts = [
      3,
      text.indexOf("}") + 1,
      text.indexOf("Sapphire}") + 9,
      text.length - 1,
    ];
    assert(cuts.every((c, i) => i === 0 || c > cuts[i - 1]!));
    const pieces = cuts.map((c, i) => text.slice(i === 0 ? 0 : cuts[i - 1], c));
    pieces.push(text.slice(cuts.at(-1)));
    assertEquals(pieces.join(""), text);
    const replyText = await ask(path, pieces);
    const reply = JSON.parse(replyText); // one JSON document, no delimiter, then EOF
    assertEquals(reply.msg, "");
    assertEquals(Object.keys(reply).sort(), ["core_ratio", "msg", "powers"]);
    checkPowers(reply);
    assertEquals(reply.core_ratio, 4 / SPEC.cores);
  });
});

Deno.test("the estimator socket replies in one read of Kepler's 4096-byte buffer, and gives interval bounds when asked", async () => {
  await withSocket({}, async (path) => {
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(
      new TextEncoder().encode(
        JSON.stringify({ ...REQUEST, values: [[1000, 50]] }),
      ),
    );
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf); // Kepler's EstimatorSidecar reads once
    conn.close();
    const reply = JSON.parse(new TextDecoder().decode(buf.subarray(0, n!)));
    assertEquals(reply.powers.package, [byHand("package", [1000, 50])]);
    const withBounds = JSON.parse(
      await ask(path, [JSON.stringify({ ...REQUEST, intervals: true })]),
    );
    assertEquals(withBounds.coverage, 0.8);
    withBounds.powers.package.forEach((p: number, i: number) => {
      assert(Math.abs(withBounds.upper.package[i] - (p + 5)) < 1e-9);
      assert(Math.abs(withBounds.lower.package[i] - Math.max(0, p - 5)) < 1e-9);
    });
  });
});

Deno.test("the estimator socket and POST /estimate agree", async () => {
  const path = join(ROOT, `agree.sock`);
  await using server = await startModelServer({
    port: 0,
    reload: "off",
    modelPath: MODEL_PATH,
    estimatorSocket: path,
  });
  const http = await (await fetch(`${server.url}/estimate`, {
    method: "POST",
    body: JSON.stringify(REQUEST),
  })).json();
  const socket = JSON.parse(await ask(path, [JSON.stringify(REQUEST)]));
  assertEquals(socket.powers, http.powers);
  checkPowers(http);
  // the socket counts in /metrics
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert(
    metrics.includes(
      'kepler_model_server_requests_total{route="socket",code="200"} 1',
    ),
    metrics,
  );
});

Deno.test("the estimator socket answers bad requests with upstream's error shape", async () => {
  await withSocket({ maxBodyBytes: 2048, bodyTimeoutMs: 300 }, async (path) => {
    const cases: [string[], RegExp][] = [
      [['{"metrics": ["a"], "values": [[1, 2]]}'], /row 0|Row 0/],
      [["hello"], /not a JSON object/],
      [['{"metrics": ['], /failed to handle request|Malformed|JSON/], // client closes early
      [
        [JSON.stringify({ ...REQUEST, metrics: ["x"], values: [[1]] })],
        /no model/,
      ],
      [[`{"pad": "${"x".repeat(3000)}"}`], /limit of 2048 bytes/],
    ];
    for (const [pieces, message] of cases) {
      const conn = await Deno.connect({ transport: "unix", path });
      for (const p of pieces) await conn.write(new TextEncoder().encode(p));
      if (pieces[0] === '{"metrics": [') await conn.closeWrite();
      const reply = JSON.parse(new TextDecoder().decode(await readAll(conn)));
      conn.close();
      assertEquals(reply.powers, {}, pieces[0]);
      assert(
        message.test(reply.msg),
        `${pieces[0]!.slice(0, 30)}: ${reply.msg}`,
      );
    }
    // a client that stops sending gets a timeout reply and the connection closes
    const slow = JSON.parse(await ask(path, ['{"metrics": '], 0));
    assert(/not received within 300 ms/.test(slow.msg), slow.msg);
  });
});

Deno.test("opt-in length framing: several requests on one connection", async () => {
  await withSocket({ estimatorFraming: "length" }, async (path) => {
    const conn = await Deno.connect({ transport: "unix", path });
    const readExactly = async (n: number) => {
      const out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const got = await conn.read(out.subarray(at));
        if (got === null) throw new Error("EOF");
        at += got;
      }
      return out;
    };
    for (let i = 0; i < 3; i++) {
      const body = new TextEncoder().encode(
        JSON.stringify({ ...REQUEST, values: [VALUES[i]] }),
      );
      const frame = new Uint8Array(4 + body.length);
      new DataView(frame.buffer).setUint32(0, body.length);
      frame.set(body, 4);
      // split the frame, header included
      await conn.write(frame.subarray(0, 2));
      await conn.write(frame.subarray(2, 9));
      await conn.write(frame.subarray(9));
      const length = new DataView((await readExactly(4)).buffer).getUint32(0);
      const reply = JSON.parse(
        new TextDecoder().decode(await readExactly(length)),
      );
      assertEquals(reply.powers.dram, [byHand("dram", VALUES[i]!)]);
    }
    conn.close();
  });
});

Deno.test("many clients at once are all answered", async () => {
  await withSocket({}, async (path) => {
    const replies = await Promise.all(
      Array.from({ length: 16 }, () => ask(path, [JSON.stringify(REQUEST)], 1)),
    );
    for (const r of replies) checkPowers(JSON.parse(r));
  });
});

Deno.test("a stale socket file is replaced; a live socket or another file is not", async () => {
  const path = join(ROOT, "stale.sock");
  // a live socket: another server is using it
  const l = Deno.listen({ transport: "unix", path });
  let refused = "";
  try {
    await startModelServer({ port: 0, reload: "off", estimatorSocket: path });
  } catch (error) {
    refused = (error as Error).message;
  }
  assert(/another process/.test(refused), refused);
  l.close();
  // a stale socket file, as a crashed server leaves it (Deno removes the
  // file on close, so keep a hard link to the socket inode)
  const l2 = Deno.listen({ transport: "unix", path });
  await Deno.link(path, join(ROOT, "stale2.sock"));
  l2.close();
  assert((await Deno.lstat(join(ROOT, "stale2.sock"))).isSocket);
  {
    await using server = await startModelServer({
      port: 0,
      reload: "off",
      modelPath: MODEL_PATH,
      estimatorSocket: join(ROOT, "stale2.sock"),
    });
    checkPowers(
      JSON.parse(await ask(server.socketPath!, [JSON.stringify(REQUEST)])),
    );
  }
  const file = join(ROOT, "not-a-socket");
  await Deno.writeTextFile(file, "keep me");
  let kept = "";
  try {
    await startModelServer({ port: 0, reload: "off", estimatorSocket: file });
  } catch (error) {
    kept = (error as Error).message;
  }
  assert(/not a socket/.test(kept), kept);
  assertEquals(await Deno.readTextFile(file), "keep me");
});
