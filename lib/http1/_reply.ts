/**
 * Writing a reply: the status line, `date`, `content-length` and
 * `connection` headers, the handler's headers (checked), and the body in
 * the same buffer when it is small (one `write`).
 *
 * @module
 */
import { type Head, TOKEN } from "./_head.ts";
import type { HttpReply } from "./types.ts";

const REASONS: Readonly<Record<number, string>> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  204: "No Content",
  301: "Moved Permanently",
  304: "Not Modified",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  411: "Length Required",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();
/** An empty body. */
export const EMPTY: Uint8Array = new Uint8Array(0);
/** The interim reply to `Expect: 100-continue`. */
export const CONTINUE: Uint8Array = encoder.encode(
  "HTTP/1.1 100 Continue\r\n\r\n",
);
const BAD_VALUE = /[\r\n\0]/;

let dateSecond = -1;
let dateText = "";
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** The handler's headers as lines, without the ones the layer sets. */
function headerLines(headers: Readonly<Record<string, string>>): string {
  let text = "";
  for (const name in headers) {
    const value = headers[name]!;
    const lower = name.toLowerCase();
    if (
      lower === "content-length" || lower === "connection" ||
      lower === "date"
    ) continue;
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
      throw new TypeError(`Invalid reply header ${JSON.stringify(name)}`);
    }
    text += `${name}: ${value}\r\n`;
  }
  return text;
}

/** A reply's bytes: one buffer, or the head and a large body apart. */
export function encodeReply(
  reply: HttpReply,
  head: Head | undefined,
  close: boolean,
): Uint8Array[] {
  const status = reply.status;
  let body = reply.body === undefined
    ? EMPTY
    : typeof reply.body === "string"
    ? encoder.encode(reply.body)
    : reply.body;
  let text = `HTTP/1.1 ${status} ${
    REASONS[status] ?? "Unknown"
  }\r\ndate: ${httpDate()}\r\n`;
  const noBody = status === 204 || status === 304 || status < 200;
  if (!noBody) text += `content-length: ${body.length}\r\n`;
  if (close) text += "connection: close\r\n";
  else if (head?.minor === 0) text += "connection: keep-alive\r\n";
  if (reply.headers !== undefined) text += headerLines(reply.headers);
  text += "\r\n";
  if (noBody || head?.method === "HEAD") body = EMPTY;
  const bytes = encoder.encode(text);
  if (body.length === 0) return [bytes];
  if (body.length > 65536) return [bytes, body];
  const one = new Uint8Array(bytes.length + body.length);
  one.set(bytes);
  one.set(body, bytes.length);
  return [one];
}

/** The bytes of a JSON error reply `{"error": message}` that closes. */
export function errorReply(
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): Uint8Array[] {
  return encodeReply(
    {
      status,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ error: message }),
    },
    undefined,
    true,
  );
}
