import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { formatUtc, parseUtc } from "./format.ts";

Deno.test("`parseUtc()` refuses a date or time that does not exist instead of rolling it over", () => {
  const cases: [string, RegExp][] = [
    [
      "2026-02-30T01:00:00Z",
      /day 30 is out of range \(February 2026 has 28 days\)/,
    ],
    [
      "2026-04-31T00:00:00Z",
      /day 31 is out of range \(April 2026 has 30 days\)/,
    ],
    [
      "2023-02-29T00:00:00Z",
      /day 29 is out of range \(February 2023 has 28 days\)/,
    ],
    [
      "1900-02-29T00:00:00Z",
      /day 29 is out of range \(February 1900 has 28 days\)/,
    ],
    ["2026-01-00T00:00:00Z", /day 0 is out of range/],
    ["2026-13-01T00:00:00Z", /month 13 is out of range 1-12/],
    ["2026-00-10T00:00:00Z", /month 0 is out of range 1-12/],
    ["2026-01-01T24:00:00Z", /hour 24 is out of range 0-23/],
    ["2026-01-01T00:60:00Z", /minute 60 is out of range 0-59/],
    ["2026-01-01T00:00:60Z", /second 60 is out of range 0-59/],
  ];
  for (const [text, why] of cases) {
    assertThrows(() => parseUtc(text), (e: unknown) => {
      const message = (e as Error).message;
      return e instanceof RangeError &&
        message.startsWith(`Invalid time "${text}": `) && why.test(message) &&
        !message.includes("\n");
    }, text);
  }
});

Deno.test("`parseUtc()` reads real dates, leap days and fractions", () => {
  assertEquals(parseUtc("2024-02-29T23:59:59Z"), 1709251199);
  assertEquals(parseUtc("2000-02-29T00:00:00Z"), 951782400);
  assertEquals(parseUtc("2026-04-30T00:00:00Z"), 1777507200);
  assertEquals(parseUtc(" 2023-12-13T10:16:39.25Z "), 1702462599.25);
  assertEquals(
    formatUtc(parseUtc("2026-12-31T23:59:59Z")),
    "2026-12-31T23:59:59Z",
  );
  assertThrows(() => parseUtc("2026-01-01 00:00:00"), /expected the format/);
});
