import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { framing, headEnd, parseHead, Refusal } from "./_head.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const refused = (status: number) => (e: unknown) =>
  e instanceof Refusal && e.status === status;

Deno.test("`headEnd()` finds the blank line after CRLF or bare LF lines, or −1", () => {
  const crlf = bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody");
  assertEquals(headEnd(crlf, 0, crlf.length), crlf.length - 4);
  const lf = bytes("GET / HTTP/1.1\nHost: x\n\nbody");
  assertEquals(headEnd(lf, 0, lf.length), lf.length - 4);
  const partial = bytes("GET / HTTP/1.1\r\nHost: x\r\n\r");
  assertEquals(headEnd(partial, 0, partial.length), -1);
});

Deno.test("`parseHead()` reads the request line, the target's path and query, and joins repeated headers", () => {
  const head = parseHead(
    "\r\nPOST http://h/best-models?fg=Full HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
  );
  assertEquals(
    [head.method, head.target, head.path, head.query, head.minor],
    ["POST", "/best-models?fg=Full", "/best-models", "fg=Full", 1],
  );
  assertEquals([...head.headers], [["host", "h"], ["x-a", "1, 2"]]);
  assertEquals(parseHead("OPTIONS * HTTP/1.0\r\n\r\n").target, "*");
});

Deno.test("`parseHead()` refuses malformed lines, folded headers, HTTP/2 and a 1.1 request without Host", () => {
  assertThrows(() => parseHead("GET /\r\n\r\n"), refused(400));
  assertThrows(() => parseHead("GET x HTTP/1.1\r\nHost: h\r\n"), refused(400));
  assertThrows(() => parseHead("GET / HTTP/2.0\r\n\r\n"), refused(505));
  assertThrows(() => parseHead("GET / HTTP/1.1\r\n\r\n"), refused(400));
  assertThrows(
    () => parseHead("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n"),
    refused(400),
  );
});

Deno.test("`parseHead()` refuses NUL, CR or LF in a header value and a second Host line (RFC 9110 §5.5, RFC 9112 §3.2)", () => {
  for (
    const text of [
      "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
    ]
  ) assertThrows(() => parseHead(text), refused(400), JSON.stringify(text));
  // a tab inside a value is allowed
  assertEquals(
    parseHead("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb\r\n\r\n").headers
      .get("x-a"),
    "a\tb",
  );
});

Deno.test("`framing()` gives a length, chunked or 0, and refuses ambiguous or oversized bodies", () => {
  const head = (text: string) =>
    parseHead(`POST / HTTP/1.1\r\nHost: h\r\n${text}`);
  assertEquals(framing(head("Content-Length: 5, 5\r\n"), 10), 5);
  assertEquals(framing(head("Transfer-Encoding: chunked\r\n"), 10), "chunked");
  assertEquals(framing(head(""), 10), 0);
  assertThrows(() => framing(head("Content-Length: 11\r\n"), 10), refused(413));
  assertThrows(
    () => framing(head("Content-Length: 1, 2\r\n"), 10),
    refused(400),
  );
  assertThrows(
    () => framing(head("Transfer-Encoding: gzip\r\n"), 10),
    refused(501),
  );
  assertThrows(
    () =>
      framing(head("Transfer-Encoding: chunked\r\nContent-Length: 1\r\n"), 10),
    refused(400),
  );
});
