/**
 * The request head: finding its end in the read buffer, parsing the
 * request line and header lines (RFC 9112), and the body's framing.
 *
 * @module
 */

/** A request refused by the connection layer: answered, then closed. */
export class Refusal extends Error {
  /** Creates a refusal answered with `status`. */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A parsed request head. */
export interface Head {
  method: string;
  target: string;
  path: string;
  query: string;
  minor: 0 | 1;
  headers: Map<string, string>;
}

/** A header name (RFC 9110 token). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Index just past the blank line ending a head, or −1 (CRLF or bare LF). */
export function headEnd(buf: Uint8Array, from: number, end: number): number {
  for (
    let i = buf.indexOf(10, from);
    i >= 0 && i < end;
    i = buf.indexOf(10, i + 1)
  ) {
    const a = buf[i + 1];
    if (i + 1 >= end) return -1;
    if (a === 10) return i + 2;
    if (a === 13) {
      if (i + 2 >= end) return -1;
      if (buf[i + 2] === 10) return i + 3;
    }
  }
  return -1;
}

/** Bytes `start`–`end` of `buf`, one character per byte. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

/** The origin-form target of a raw request target (RFC 9112 §3.2). */
function originTarget(rawTarget: string, method: string): string {
  if (rawTarget.startsWith("/")) return rawTarget;
  // absolute form (RFC 9112 §3.2.2) must be accepted; "*" only for OPTIONS
  const abs = /^https?:\/\/[^/?#]*(.*)$/i.exec(rawTarget);
  if (abs !== null) return abs[1]!.startsWith("/") ? abs[1]! : `/${abs[1]}`;
  if (rawTarget === "*" && method === "OPTIONS") return rawTarget;
  throw new Refusal(
    400,
    `Malformed request target ${JSON.stringify(rawTarget.slice(0, 80))}`,
  );
}

/** The request line's method, target and HTTP version. */
function parseRequestLine(
  line: string,
): { method: string; target: string; minor: string } {
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/.exec(
    line,
  );
  if (m === null) {
    throw new Refusal(
      400,
      `Malformed request line ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
  const [, method, rawTarget, major, minor] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (major !== "1") {
    throw new Refusal(
      505,
      `HTTP/${major}.${minor} is not supported: use HTTP/1.1`,
    );
  }
  return { method, target: originTarget(rawTarget, method), minor };
}

/** The header lines after `first`, by lower-case name, repeats joined. */
function parseHeaderLines(
  lines: readonly string[],
  first: number,
): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = first + 1; i < lines.length; i++) {
    const h = lines[i]!;
    if (h === "") continue;
    if (h.charCodeAt(0) === 32 || h.charCodeAt(0) === 9) {
      throw new Refusal(
        400,
        "Folded header lines are not allowed (RFC 9112 §5.2)",
      );
    }
    const colon = h.indexOf(":");
    const name = colon > 0 ? h.slice(0, colon) : "";
    if (!TOKEN.test(name)) {
      throw new Refusal(
        400,
        `Malformed header line ${JSON.stringify(h.slice(0, 80))}`,
      );
    }
    const key = name.toLowerCase();
    const value = h.slice(colon + 1).trim();
    // RFC 9110 §5.5: a field value holding NUL, CR or LF (a bare CR stays in
    // the line here) must be refused, not passed on.
    if (/[\0\r\n]/.test(value)) {
      throw new Refusal(
        400,
        `The ${JSON.stringify(name)} header holds NUL, CR or LF`,
      );
    }
    const had = headers.get(key);
    // RFC 9112 §3.2: more than one Host line is a 400.
    if (key === "host" && had !== undefined) {
      throw new Refusal(400, "A request needs exactly one Host header");
    }
    headers.set(key, had === undefined ? value : `${had}, ${value}`);
  }
  return headers;
}

/** Parses a request head (its text up to the blank line). */
export function parseHead(text: string): Head {
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first] === "") first++; // RFC 9112 §2.2
  const { method, target, minor } = parseRequestLine(lines[first] ?? "");
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? "" : target.slice(q + 1);
  const headers = parseHeaderLines(lines, first);
  if (minor === "1" && !headers.has("host")) {
    throw new Refusal(400, "An HTTP/1.1 request needs a Host header");
  }
  return {
    method,
    target,
    path,
    query,
    minor: minor === "0" ? 0 : 1,
    headers,
  };
}

/** The chunked framing of Transfer-Encoding `te`, or a refusal. */
function chunkedFraming(head: Head, te: string, cl: string | undefined) {
  if (cl !== undefined) {
    throw new Refusal(
      400,
      "A request may not have both Content-Length and Transfer-Encoding",
    );
  }
  if (head.minor === 0) {
    throw new Refusal(400, "Transfer-Encoding is not allowed in HTTP/1.0");
  }
  if (te.toLowerCase() !== "chunked") {
    throw new Refusal(
      501,
      `Transfer-Encoding ${JSON.stringify(te)} is not supported: use chunked`,
    );
  }
  return "chunked" as const;
}

/** The body's framing: a length, chunked, or none. */
export function framing(head: Head, maxBody: number): number | "chunked" {
  const te = head.headers.get("transfer-encoding");
  const cl = head.headers.get("content-length");
  if (te !== undefined) return chunkedFraming(head, te, cl);
  if (cl === undefined) return 0;
  const values = cl.split(",").map((v) => v.trim());
  if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
    throw new Refusal(400, `Invalid Content-Length ${JSON.stringify(cl)}`);
  }
  const n = Number(values[0]);
  if (n > maxBody) {
    throw new Refusal(
      413,
      `Request body of ${n} bytes is larger than the limit of ${maxBody} bytes`,
    );
  }
  return n;
}
