/**
 * The HTTP/1.1 layer over raw TCP on 127.0.0.1: deadlines (slow and
 * trickled headers, slow bodies, idle connections, readers that never
 * read), framing (Content-Length, chunked with extensions and trailers,
 * pipelining, HEAD, 100-continue, 1.0 keep-alive), refusals (400, 413, 431,
 * 501, 503, 505), errors of the handler, shutdown, and curl as a real
 * client. Replies are parsed by the small reader below, not by the server's
 * code.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  type Http1Options,
  type Http1Server,
  type HttpRequest,
  serveHttp1,
} from "./mod.ts";

/**
 * Skips a test when `curl` is not on PATH, unless `CI` is set (then it runs
 * and fails), as test/_prometheus.ts's `requireTool` does.
 */
function requireCurl(): { ignore: boolean; reason: string } {
  const env = (k: string) => {
    try {
      return Deno.env.get(k);
    } catch {
      return undefined; // no --allow-env: treat as unset
    }
  };
  const found = (env("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(":")
    .some((dir) => {
      try {
        const info = Deno.statSync(`${dir}/curl`);
        return dir !== "" && info.isFile &&
          ((info.mode ?? 0o111) & 0o111) !== 0;
      } catch {
        return false;
      }
    });
  if (found || (env("CI") ?? "") !== "") return { ignore: false, reason: "" };
  const reason = "skipped: curl not installed; apt-get install curl";
  console.warn(reason);
  return { ignore: true, reason };
}

const enc = new TextEncoder();
const dec = new TextDecoder();
/** One character per byte, so Content-Length counts characters. */
const bytesText = new TextDecoder("latin1");

interface Parsed {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Reads from a connection until EOF or `until(text)`; never throws on reset. */
async function readUntil(
  conn: Deno.Conn,
  until: (text: string) => boolean = () => false,
): Promise<{ text: string; eof: boolean }> {
  let text = "";
  const buf = new Uint8Array(65536);
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      return { text, eof: true }; // reset counts as closed
    }
    if (n === null) return { text, eof: true };
    text += bytesText.decode(buf.subarray(0, n));
    if (until(text)) return { text, eof: false };
  }
}

/**
 * Splits a byte stream into replies (Content-Length framing only); the
 * replies at the indexes in `heads` answer HEAD requests (no body).
 */
function parseReplies(text: string, heads: readonly number[] = []): Parsed[] {
  const out: Parsed[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) break;
    const lines = rest.slice(0, end).split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":");
      headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
    }
    let length = Number(headers.get("content-length") ?? 0);
    if (status === 100 || heads.includes(out.length)) length = 0;
    if (rest.length < end + 4 + length) break;
    out.push({
      status,
      headers,
      body: rest.slice(end + 4, end + 4 + length),
    });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

const complete = (count: number) => (text: string) =>
  parseReplies(text).length >= count;

/** Echoes method, path, query and body; records what it saw. */
async function withEcho(
  options: Http1Options,
  fn: (
    port: number,
    seen: HttpRequest[],
    server: Http1Server,
    rejects: number[],
  ) => Promise<void>,
): Promise<void> {
  const seen: HttpRequest[] = [];
  const rejects: number[] = [];
  const server = serveHttp1({
    port: 0,
    onReject: (s) => rejects.push(s),
    ...options,
  }, async (r) => {
    seen.push(r);
    if (r.path === "/throw") throw new Error("boom");
    if (r.path === "/slow") await new Promise((ok) => setTimeout(ok, 300));
    if (r.path === "/big") {
      return { status: 200, body: new Uint8Array(8 << 20).fill(65) };
    }
    return {
      status: 200,
      headers: { "content-type": "text/plain", "x-path": r.path },
      body: `${r.method} ${r.path} ${r.query} ${dec.decode(r.body)}`,
    };
  });
  try {
    await fn(server.addr.port, seen, server, rejects);
  } finally {
    await server.shutdown();
  }
}

async function connect(port: number): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: "127.0.0.1", port });
}

/** Sends `request` on a new connection and reads until the server closes. */
async function exchange(port: number, request: string | Uint8Array) {
  const conn = await connect(port);
  try {
    await conn.write(
      typeof request === "string" ? enc.encode(request) : request,
    );
    return await readUntil(conn);
  } finally {
    conn.close();
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

Deno.test("headers trickled one byte at a time are cut off with 408 before they complete, and the handler never runs", async () => {
  await withEcho(
    { headersTimeoutMs: 300, tickMs: 25 },
    async (port, seen, _s, rejects) => {
      const conn = await connect(port);
      const request = enc.encode(
        `GET /x HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(100)}\r\n\r\n`,
      );
      const reply = readUntil(conn);
      let sent = 0;
      // one byte per 20 ms: the whole head would take > 2.5 s
      for (; sent < request.length; sent++) {
        try {
          await conn.write(request.subarray(sent, sent + 1));
        } catch {
          break; // closed by the server
        }
        const done = await Promise.race([
          reply.then(() => true),
          sleep(20).then(() => false),
        ]);
        if (done) break;
      }
      const { text, eof } = await reply;
      conn.close();
      assert(
        sent < request.length,
        `the whole head was accepted (${sent} bytes)`,
      );
      const [r] = parseReplies(text);
      assertEquals([r?.status, r?.headers.get("connection"), eof], [
        408,
        "close",
        true,
      ]);
      assert(
        /Request headers not received within 300 ms/.test(r!.body),
        r!.body,
      );
      assertEquals(seen.length, 0);
      assertEquals(rejects, [408]);
    },
  );
});

Deno.test("a partial head that stops is answered 408 and closed; a new connection that sends nothing is closed silently at the headers deadline, not the idle one", async () => {
  await withEcho(
    { headersTimeoutMs: 200, idleTimeoutMs: 600_000, tickMs: 25 },
    async (port, seen, server) => {
      const partial = await exchange(
        port,
        "POST /model HTTP/1.1\r\nHost: x\r\n",
      );
      assertEquals(parseReplies(partial.text).map((r) => r.status), [408]);
      assert(partial.eof);
      const silent = await connect(port);
      for (let i = 0; i < 5 && server.connections === 0; i++) await sleep(20);
      // bounded: 200 ms deadline, checked for at most 4 s (the idle limit is 10 min)
      for (let i = 0; i < 160 && server.connections > 0; i++) await sleep(25);
      assertEquals(server.connections, 0);
      const { text, eof } = await readUntil(silent);
      silent.close();
      assertEquals([text, eof], ["", true]);
      assertEquals(seen.length, 0);
    },
  );
});

Deno.test("a slow body gets 408 and the connection is closed; a kept-alive connection is closed when idle", async () => {
  await withEcho(
    { bodyTimeoutMs: 200, idleTimeoutMs: 250, tickMs: 25 },
    async (port, seen) => {
      const slow = await exchange(
        port,
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345",
      );
      const [r] = parseReplies(slow.text);
      assertEquals([r?.status, slow.eof], [408, true]);
      assert(/Request body not received within 200 ms/.test(r!.body));
      // keep-alive: one request answered, then the idle connection is closed
      const conn = await connect(port);
      await conn.write(enc.encode("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
      const idle = await readUntil(conn);
      conn.close();
      const replies = parseReplies(idle.text);
      assertEquals(replies.map((x) => [x.status, x.body]), [[200, "GET /b  "]]);
      assert(idle.eof);
      assertEquals(seen.map((x) => x.path), ["/b"]);
    },
  );
});

Deno.test("a client that does not read its reply is disconnected after the write deadline", async () => {
  await withEcho(
    { writeTimeoutMs: 300, tickMs: 25 },
    async (port, _seen, server, rejects) => {
      const conn = await connect(port);
      await conn.write(enc.encode("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
      // never read: the 8 MiB reply cannot fit the socket buffers
      for (let i = 0; i < 200 && server.connections > 0; i++) await sleep(25);
      assertEquals(server.connections, 0);
      assertEquals(rejects, [408]);
      conn.close();
    },
  );
});

Deno.test("chunked bodies are decoded (extensions and trailers too) and pipelined requests are answered in order", async () => {
  await withEcho({}, async (port, seen) => {
    // RFC 9112 style chunks: "Wiki" + "pedia" + " in chunks." with an extension and a trailer
    const request =
      "POST /chunked?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "4\r\nWiki\r\n5;name=value\r\npedia\r\nB\r\n in chunks.\r\n0\r\nExpires: never\r\n\r\n" +
      "POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
      "HEAD /third HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /fourth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const { text, eof } = await exchange(port, request);
    const replies = parseReplies(text, [2]);
    assertEquals(replies.map((r) => [r.status, r.body]), [
      [200, "POST /chunked x=1 Wikipedia in chunks."],
      [200, "POST /second  abc"],
      [200, ""],
      [200, "GET /fourth  "],
    ]);
    // HEAD: the length of the body GET would have had, and no body bytes
    assertEquals(
      replies[2]!.headers.get("content-length"),
      String("HEAD /third  ".length),
    );
    assertEquals(replies[2]!.headers.get("x-path"), "/third");
    assert(eof);
    assertEquals(seen.map((r) => r.method), ["POST", "POST", "HEAD", "GET"]);
  });
});

Deno.test("Expect: 100-continue gets 100 before the body is sent; HTTP/1.0 closes unless keep-alive is asked", async () => {
  await withEcho({}, async (port) => {
    const conn = await connect(port);
    await conn.write(enc.encode(
      "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    ));
    const interim = await readUntil(conn, (t) => t.includes("\r\n\r\n"));
    assert(
      interim.text.startsWith("HTTP/1.1 100 Continue\r\n\r\n"),
      interim.text,
    );
    await conn.write(enc.encode("hello"));
    const final = await readUntil(conn, complete(1));
    assertEquals(parseReplies(final.text)[0]?.body, "POST /e  hello");
    conn.close();

    const old = await exchange(port, "GET /old HTTP/1.0\r\n\r\n");
    assertEquals(
      parseReplies(old.text).map((
        r,
      ) => [r.status, r.headers.get("connection")]),
      [[200, "close"]],
    );
    assert(old.eof);
    const kept = await connect(port);
    await kept.write(
      enc.encode("GET /k1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
    );
    const first = await readUntil(kept, complete(1));
    assertEquals(
      parseReplies(first.text)[0]?.headers.get("connection"),
      "keep-alive",
    );
    await kept.write(enc.encode("GET /k2 HTTP/1.0\r\n\r\n"));
    const second = await readUntil(kept);
    kept.close();
    assertEquals(parseReplies(second.text).map((r) => r.body), ["GET /k2  "]);
    assert(second.eof);
  });
});

Deno.test("malformed and ambiguous requests are refused with the right status and the connection closed", async () => {
  await withEcho(
    { maxHeaderBytes: 1024, maxBodyBytes: 100 },
    async (port, seen, _s, rejects) => {
      const cases: [string, number, RegExp][] = [
        ["GARBAGE\r\n\r\n", 400, /Malformed request line/],
        ["GET /x HTTP/1.1\r\n\r\n", 400, /Host header/],
        [
          "GET /x HTTP/2.0\r\nHost: x\r\n\r\n",
          505,
          /HTTP\/2\.0 is not supported/,
        ],
        ["GET x HTTP/1.1\r\nHost: x\r\n\r\n", 400, /Malformed request target/],
        ["GET /x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, /Folded header/],
        [
          "GET /x HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
          400,
          /Malformed header line/,
        ],
        [
          "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
          400,
          /both Content-Length and Transfer-Encoding/,
        ],
        [
          "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
          400,
          /Invalid Content-Length/,
        ],
        [
          "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n",
          400,
          /Invalid Content-Length/,
        ],
        [
          "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
          501,
          /not supported/,
        ],
        [
          "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n",
          413,
          /limit of 100 bytes/,
        ],
        [
          "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
          "a".repeat(64) + "\r\n40\r\n" + "a".repeat(64) + "\r\n0\r\n\r\n",
          413,
          /limit of 100 bytes/,
        ],
        [
          "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
          400,
          /Malformed chunk size/,
        ],
        [
          `GET /x HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(2000)}\r\n\r\n`,
          431,
          /larger than 1024 bytes/,
        ],
      ];
      for (const [request, status, message] of cases) {
        const { text, eof } = await exchange(port, request);
        const replies = parseReplies(text);
        assertEquals(
          replies.map((r) => r.status),
          [status],
          request.slice(0, 60),
        );
        assert(
          message.test(replies[0]!.body),
          `${request.slice(0, 60)}: ${replies[0]!.body}`,
        );
        assertEquals(replies[0]!.headers.get("connection"), "close");
        assert(eof, request.slice(0, 60));
      }
      assertEquals(seen.length, 0);
      assertEquals(rejects, cases.map((c) => c[1]));
      // absolute-form targets are accepted (RFC 9112 §3.2.2)
      const abs = await exchange(
        port,
        "GET http://x:1/abs?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      assertEquals(parseReplies(abs.text)[0]?.body, "GET /abs q=1 ");
    },
  );
});

Deno.test("a handler that throws gets the onError reply and the connection stays usable; connections beyond the limit get 503", async () => {
  await withEcho({ maxConnections: 2 }, async (port, _seen, server) => {
    const conn = await connect(port);
    await conn.write(
      enc.encode(
        "GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n",
      ),
    );
    const { text } = await readUntil(conn, complete(2));
    assertEquals(parseReplies(text).map((r) => [r.status, r.body]), [
      [500, '{"error":"internal error"}'],
      [200, "GET /after  "],
    ]);
    const second = await connect(port);
    for (let i = 0; i < 100 && server.connections < 2; i++) await sleep(10);
    assertEquals(server.connections, 2);
    const third = await exchange(
      port,
      "GET /third HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assertEquals(
      parseReplies(third.text).map((
        r,
      ) => [r.status, r.headers.get("retry-after")]),
      [[503, "1"]],
    );
    assert(third.eof);
    conn.close();
    second.close();
  });
});

Deno.test("shutdown lets a request in progress finish (with connection: close) and closes idle connections", async () => {
  const server = serveHttp1({ port: 0 }, async (r) => {
    if (r.path === "/slow") await sleep(300);
    return { status: 200, body: r.path };
  });
  const port = server.addr.port;
  const idle = await connect(port);
  const busy = await connect(port);
  await busy.write(enc.encode("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  await sleep(50);
  const stopped = server.shutdown();
  const [busyReply, idleReply] = await Promise.all([
    readUntil(busy),
    readUntil(idle),
  ]);
  await stopped;
  busy.close();
  idle.close();
  const replies = parseReplies(busyReply.text);
  assertEquals(
    replies.map((r) => [r.status, r.body, r.headers.get("connection")]),
    [[200, "/slow", "close"]],
  );
  assert(busyReply.eof);
  assertEquals([idleReply.text, idleReply.eof], ["", true]);
  assertEquals(server.connections, 0);
  await assertRefused(port);
});

async function assertRefused(port: number): Promise<void> {
  try {
    const c = await connect(port);
    c.close();
  } catch (error) {
    assert(error instanceof Deno.errors.ConnectionRefused, String(error));
    return;
  }
  assert(false, "the port still accepts connections after shutdown");
}

Deno.test({
  name:
    "curl, a real client: keep-alive across requests, Expect: 100-continue on a large upload, a chunked upload",
  ...requireCurl(),
  async fn() {
    await withEcho({}, async (port, seen) => {
      const dir = await Deno.makeTempDir();
      try {
        const big = `${dir}/big.txt`;
        await Deno.writeTextFile(big, "z".repeat(5000));
        const out = await new Deno.Command("curl", {
          args: [
            "-sS",
            "--fail",
            "-w",
            "\\n%{http_code} %{num_connects}\\n",
            `http://127.0.0.1:${port}/one?a=b`,
            // curl asks Expect: 100-continue for bodies over 1 MiB by default
            // in new versions and 1 KiB in old ones; ask for it explicitly
            "--next",
            "-sS",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            `@${big}`,
            "-w",
            "\\n%{http_code} %{num_connects}\\n",
            `http://127.0.0.1:${port}/two`,
            "--next",
            "-sS",
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            "chunky",
            "-w",
            "\\n%{http_code} %{num_connects}\\n",
            `http://127.0.0.1:${port}/three`,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert(out.success, dec.decode(out.stderr));
        const lines = dec.decode(out.stdout).trim().split("\n");
        assertEquals(lines, [
          "GET /one a=b ",
          "200 1",
          `POST /two  ${"z".repeat(5000)}`,
          "200 0", // the same connection was reused
          "POST /three  chunky",
          "200 0",
        ]);
        assertEquals(seen.map((r) => r.headers.get("expect") ?? ""), [
          "",
          "100-continue",
          "",
        ]);
        assertEquals(seen[2]!.headers.get("transfer-encoding"), "chunked");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
});
