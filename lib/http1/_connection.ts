/**
 * One connection's state, read by the deadline sweep, and its read buffer.
 *
 * @module
 */
import { Refusal } from "./_head.ts";

/** Thrown out of a read when the deadline sweep closed the connection. */
export class Expired extends Error {}

/** What a connection is doing, which decides the deadline that applies. */
export type Phase = "idle" | "head" | "body" | "handler" | "write" | "closed";

/** One connection's state, read by the deadline sweep. */
export class Connection {
  phase: Phase = "idle";
  deadline = Infinity;
  /** Set by the deadline sweep: whatever arrives later is ignored. */
  expired = false;
  /** Set when the server shuts down: close after the current reply. */
  draining = false;
  buf: Uint8Array = new Uint8Array(4096);
  start = 0;
  end = 0;

  /** Wraps an accepted connection. */
  constructor(readonly conn: Deno.TcpConn) {}

  /** Closes once; a pending read or write then fails. */
  close(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    try {
      this.conn.close();
    } catch {
      // already closed by the peer
    }
  }

  /** Reads more bytes into the buffer (growing it up to `limit`). */
  async fill(limit: number): Promise<boolean> {
    if (this.end === this.buf.length) {
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (this.end === this.buf.length) {
        if (this.buf.length >= limit) return true; // caller checks the limit
        const next = new Uint8Array(Math.min(limit, this.buf.length * 2));
        next.set(this.buf.subarray(0, this.end));
        this.buf = next;
      }
    }
    let n: number | null;
    try {
      n = await this.conn.read(this.buf.subarray(this.end));
    } catch (error) {
      if (this.phase === "closed") throw new Expired();
      throw error;
    }
    if (this.expired) throw new Expired();
    if (n === null) return false;
    this.end += n;
    return true;
  }

  /** Writes all of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      at += await this.conn.write(bytes.subarray(at));
    }
  }
}

/** Ensures `n` bytes after `c.start`, reading within the deadline. */
export async function need(c: Connection, n: number): Promise<void> {
  while (c.end - c.start < n) {
    if (!await c.fill(c.start + n)) {
      throw new Refusal(400, "The client closed the connection mid-request");
    }
  }
}
