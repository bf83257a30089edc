/**
 * The `Retry-After` header of a 429 or 503 answer (RFC 9110 §10.2.3):
 * a number of seconds or an HTTP-date.
 *
 * @module
 */

/**
 * How long a `Retry-After` value asks to wait, in ms, from `now`; undefined
 * when the header is missing or is neither seconds nor an HTTP-date. A date
 * in the past is 0.
 *
 * @param value The header value, or null when absent.
 * @param now The current time in ms since the epoch. Default: `Date.now()`.
 * @returns The wait in ms, or undefined.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from "./retry_after.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseRetryAfter("2"), 2000);
 * const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
 * assertEquals(parseRetryAfter("Wed, 21 Oct 2015 07:28:03 GMT", now), 3000);
 * assertEquals(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
 * assertEquals([parseRetryAfter("soon"), parseRetryAfter(null)], [undefined, undefined]);
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
