/**
 * The deadline sweep: deadlines cost no timer per request; each connection
 * carries a deadline and its phase, and one sweep per tick closes the
 * expired ones (a 408 first when a head or body was being read).
 *
 * @module
 */
import type { Connection } from "./_connection.ts";
import { errorReply } from "./_reply.ts";
import type { Settings } from "./_settings.ts";

/** Closes a connection past its deadline, answering 408 mid-request. */
function expire(s: Settings, c: Connection): void {
  const phase = c.phase;
  c.expired = true;
  if (phase === "head" || phase === "body") {
    const what = phase === "head" ? "Request headers" : "Request body";
    const limit = phase === "head" ? s.headersTimeout : s.bodyTimeout;
    s.reject(408, `${what} not received within ${limit} ms`);
    const parts = errorReply(408, `${what} not received within ${limit} ms`);
    c.deadline = Infinity;
    // the 408 is small: the socket buffer takes it at once, or never
    const late = setTimeout(() => c.close(), 1000);
    c.conn.write(parts[0]!).catch(() => {}).finally(() => {
      clearTimeout(late);
      c.close();
    });
  } else {
    if (phase === "write") s.reject(408, "reply not taken in time");
    c.close();
  }
}

/** Starts sweeping `open` every tick; returns the interval's id. */
export function startSweep(
  s: Settings,
  open: ReadonlySet<Connection>,
): ReturnType<typeof setInterval> {
  return setInterval(() => {
    const now = performance.now();
    for (const c of open) {
      if (c.deadline <= now) expire(s, c);
    }
  }, s.tick);
}
