import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import {
  benchmarkWindow,
  parseBenchmarkWindow,
  resolveTimeWindow,
} from "./time_window.ts";

Deno.test("`resolveTimeWindow()` lets a benchmark file win over start/end and interval", () => {
  const window = resolveTimeWindow({
    benchmark: {
      startTimeUTC: "2024-01-31T12:00:00Z",
      endTimeUTC: "2024-01-31T13:00:00Z",
    },
    startTime: "2020-01-01T00:00:00Z",
    endTime: "2020-01-01T01:00:00Z",
    interval: 60,
  });
  assertEquals(window, {
    start: 1706702400,
    end: 1706706000,
    source: "benchmark",
  });
  assertEquals(resolveTimeWindow({ now: 1000 }), {
    start: 700,
    end: 1000,
    source: "interval",
  });
});

Deno.test("`resolveTimeWindow()` names the problem of a bad window", () => {
  assertThrows(
    () => resolveTimeWindow({ startTime: "2024-01-31T12:00:00Z" }),
    /only --start-time/,
  );
  assertThrows(
    () => resolveTimeWindow({ endTime: "2024-01-31T12:00:00Z" }),
    /only --end-time/,
  );
  assertThrows(
    () =>
      resolveTimeWindow({
        startTime: "2024-01-31 12:00:00",
        endTime: "2024-01-31T13:00:00Z",
      }),
    /Invalid time "2024-01-31 12:00:00"/,
  );
  assertThrows(
    () =>
      resolveTimeWindow({
        startTime: "2024-01-31T13:00:00Z",
        endTime: "2024-01-31T12:00:00Z",
      }),
    /2024-01-31T13:00:00Z to 2024-01-31T12:00:00Z: the end must be after the start/,
  );
  assertThrows(
    () => resolveTimeWindow({ interval: -5 }),
    /Invalid --interval -5/,
  );
});

Deno.test("`parseBenchmarkWindow()` reads a CPE Benchmark CR's last repetition and names a bad file", () => {
  const cr = {
    metadata: { creationTimestamp: "2023-09-22T05:43:45Z" },
    status: {
      results: [
        {
          scenarioID: "0",
          repetitions: [{ pod: "p0", pushedTime: "2023-09-22 05:48:00.1" }],
        },
        {
          scenarioID: "1",
          repetitions: [
            { pod: "p1", pushedTime: "2023-09-22 05:50:00.5" },
            { pod: "p2", pushedTime: "2023-09-22 05:53:06.999999" },
          ],
        },
      ],
    },
  };
  assertEquals(parseBenchmarkWindow(cr), {
    start: 1695361425,
    end: 1695361986,
  });
  assertThrows(
    () => parseBenchmarkWindow({ startTimeUTC: "x" }, "/d/b.json"),
    /from \/d\/b.json: startTimeUTC or endTimeUTC is missing/,
  );
  assertThrows(
    () => parseBenchmarkWindow({ metadata: {} }),
    /creationTimestamp is missing/,
  );
  assertEquals(benchmarkWindow({ start: 1695361425.9, end: 1695361986 }), {
    startTimeUTC: "2023-09-22T05:43:45Z",
    endTimeUTC: "2023-09-22T05:53:06Z",
  });
});

Deno.test("`parseBenchmarkWindow()` names the file and field of a date that does not exist", () => {
  assertThrows(
    () =>
      parseBenchmarkWindow(
        {
          startTimeUTC: "2026-02-30T01:00:00Z",
          endTimeUTC: "2026-03-03T01:00:00Z",
        },
        "data/b.json",
      ),
    {
      name: "RangeError",
      message:
        'Cannot read a time window from data/b.json: startTimeUTC: Invalid time "2026-02-30T01:00:00Z": day 30 is out of range (February 2026 has 28 days)',
    },
  );
  assertThrows(
    () =>
      parseBenchmarkWindow({
        startTimeUTC: "2026-04-30T00:00:00Z",
        endTimeUTC: "2026-04-30T24:00:00Z",
      }, "data/b.json"),
    /data\/b\.json: endTimeUTC: Invalid time "2026-04-30T24:00:00Z": hour 24 is out of range 0-23/,
  );
  const cr = {
    metadata: { creationTimestamp: "2026-02-28T00:00:00Z" },
    status: {
      results: [{ repetitions: [{ pushedTime: "2026-02-29 10:00:00.5" }] }],
    },
  };
  assertThrows(
    () => parseBenchmarkWindow(cr, "data/cr.json"),
    /data\/cr\.json: status\.results\[-1\]\.repetitions\[-1\]\.pushedTime: Invalid CPE pushedTime "2026-02-29 10:00:00\.5": day 29 is out of range \(February 2026 has 28 days\)/,
  );
  assertThrows(
    () =>
      resolveTimeWindow({
        startTime: "2026-04-31T00:00:00Z",
        endTime: "2026-05-02T00:00:00Z",
      }),
    /^RangeError: --start-time: Invalid time "2026-04-31T00:00:00Z": day 31/,
  );
});
