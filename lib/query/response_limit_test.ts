import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { BoundedBytes, readBoundedBytes } from "./response_limit.ts";

/** Deterministic bytes: a body whose every byte is checked. */
function bytesOf(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

Deno.test("`readBoundedBytes()` reads a fetch body of any size in one buffer, exactly", async () => {
  const body = bytesOf(3_000_001);
  // Chunked (no Content-Length) and with Content-Length, over real HTTP.
  for (const chunked of [true, false]) {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () =>
        new Response(
          chunked
            ? ReadableStream.from([body.subarray(0, 1000), body.subarray(1000)])
            : body,
        ),
    );
    try {
      const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
      const read = await readBoundedBytes(response, body.length);
      assertEquals(read.length, body.length);
      assert(
        read.finish().every((b, i) => b === body[i]),
        `chunked ${chunked}`,
      );
      read.free();
      assertEquals(read.length, 0);
    } finally {
      await server.shutdown();
    }
  }
});

Deno.test("`readBoundedBytes()` takes a body of exactly the limit and cuts one byte more", async () => {
  const body = bytesOf(70_000);
  const stream = () =>
    ReadableStream.from([body.subarray(0, 5), body.subarray(5)]);
  const exact = await readBoundedBytes(new Response(stream()), 70_000);
  assertEquals(exact.finish(), body);
  await assertRejects(
    readBoundedBytes(new Response(stream()), 69_999),
    { name: "ResponseTooLargeError", limit: 69_999 },
  );
  // A Content-Length over the limit fails before reading.
  await assertRejects(
    readBoundedBytes(
      new Response(body, { headers: { "content-length": "70000" } }),
      69_999,
    ),
    { name: "ResponseTooLargeError", received: 70_000 },
  );
});

Deno.test("`BoundedBytes` grows by pushes and by reads into its room", () => {
  const body = new BoundedBytes(10, 2);
  body.push(new Uint8Array([1, 2, 3]));
  const room = body.room();
  assert(room.length >= 1);
  room[0] = 4;
  body.filled(room.subarray(0, 1));
  body.push(new Uint8Array([5, 6, 7, 8, 9, 10]));
  assertEquals([...body.finish()], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert(
    (() => {
      try {
        body.push(new Uint8Array([11]));
        return false;
      } catch (error) {
        return (error as Error).name === "ResponseTooLargeError";
      }
    })(),
  );
});
