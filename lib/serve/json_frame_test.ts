import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { JsonFrameScanner } from "./json_frame.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("JsonFrameScanner finds the end of a document split at every byte", () => {
  const doc = ' {"a": "}{\\"]", "b": [1, {"c": "\\\\"}], "d": "é}"}';
  const bytes = enc(doc + "trailing");
  const end = enc(doc).length;
  for (let cut = 0; cut <= end; cut++) {
    const s = new JsonFrameScanner();
    const first = s.push(bytes.subarray(0, cut));
    if (first >= 0) {
      assertEquals([cut, first], [end, end]);
      continue;
    }
    assertEquals(s.push(bytes.subarray(cut)), end - cut, `cut at ${cut}`);
    assertEquals(s.seen, end);
    assertEquals(s.done, true);
  }
});

Deno.test("JsonFrameScanner: one byte at a time, arrays, and an early '}' inside a string", () => {
  const doc = enc('[{"x": "}"}, "]"]');
  const s = new JsonFrameScanner();
  let found = -1;
  for (let i = 0; i < doc.length && found < 0; i++) {
    if (s.push(doc.subarray(i, i + 1)) >= 0) found = i;
  }
  assertEquals(found, doc.length - 1);
});

Deno.test("JsonFrameScanner rejects a request that does not start with { or [", () => {
  assertThrows(() => new JsonFrameScanner().push(enc("  hello")), SyntaxError);
  assertEquals(new JsonFrameScanner().push(enc("   ")), -1);
});
