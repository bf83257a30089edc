/**
 * The byte parser of `query_range` answers against the ordinary path
 * (`JSON.parse`, the API envelope, `checkMatrix()`, `compactSeries()`):
 * same series whenever it accepts, never accepting what the ordinary path
 * refuses, and accepting what Prometheus writes.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { parseMatrixAnswer } from "./_matrix_parser.ts";
import { checkMatrix } from "./check_matrix.ts";
import { type CompactSeries, compactSeries } from "./compact_series.ts";

const encoder = new TextEncoder();

/** The ordinary path's series, or the error it throws. */
function ordinary(text: string): CompactSeries[] | Error {
  try {
    const envelope = JSON.parse(new TextDecoder().decode(encoder.encode(text)));
    if (envelope?.status !== "success") throw new Error("not success");
    const context = { server: "s", metric: "m", what: "w" };
    return checkMatrix(envelope.data, context).map(compactSeries);
  } catch (error) {
    return error as Error;
  }
}

/** Series as plain arrays (NaN and -0 compare as themselves). */
function plain(series: readonly CompactSeries[]) {
  return series.map((s) => ({
    metric: Object.entries(s.metric),
    times: [...s.times],
    values: [...s.values],
    texts: s.texts === undefined ? undefined : [...s.texts],
  }));
}

/** Checks the parser against the ordinary path; returns whether it accepted. */
function agrees(text: string, points = 4): boolean {
  const fast = parseMatrixAnswer(encoder.encode(text), points);
  const slow = ordinary(text);
  if (fast === undefined) return false;
  assert(!(slow instanceof Error), `accepted what JSON.parse refuses: ${text}`);
  assertEquals(plain(fast.series), plain(slow), text);
  return true;
}

/** A seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const envelope = (result: string, extra = "") =>
  `{"status":"success","data":{"resultType":"matrix","result":${result}}${extra}}`;

Deno.test("`parseMatrixAnswer()` reads what Prometheus writes, as JSON.parse and checkMatrix() do", () => {
  const next = random(5);
  for (let round = 0; round < 300; round++) {
    const result = [];
    const nSeries = Math.floor(next() * 4);
    for (let s = 0; s < nSeries; s++) {
      const values: [number, string][] = [];
      let t = 1_700_000_000 + Math.floor(next() * 1000);
      for (let k = Math.floor(next() * 30); k > 0; k--) {
        t += next() < 0.2 ? 0.125 : 3;
        const x = (next() - 0.3) * 10 ** Math.floor(next() * 30 - 10);
        const v = next() < 0.1
          ? ["NaN", "+Inf", "-Inf"][Math.floor(next() * 3)]!
          : next() < 0.5
          ? String(Math.round(x))
          // Go's shortest text (the exponent with two digits at least)
          : String(x).replace(/e([+-])(\d)$/, "e$10$2");
        values.push([t, v]);
      }
      result.push({
        metric: {
          __name__: "kepler_x_total",
          container_name: `c${s} "é" \\ 名`,
          pod: `p-${round}`,
        },
        values,
      });
    }
    // JSON.stringify writes as compactly as Prometheus does.
    assert(
      agrees(JSON.stringify({
        status: "success",
        data: { resultType: "matrix", result },
      })),
      `declined round ${round}`,
    );
  }
});

Deno.test("`parseMatrixAnswer()` agrees with the ordinary path on any legal JSON of the answer", () => {
  const next = random(11);
  const ws = () => [" ", "", "\n", "\t ", "\r\n"][Math.floor(next() * 5)]!;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const times = ["1", "2.5", "3.000", "4e0", "5E+0", "0.6e1", "1700000000.123"];
  const texts = [
    "0",
    "-0",
    "1.5",
    "1.50",
    "+2",
    ".5",
    "1e-07",
    "1e-7",
    "7150.525",
    "\\u0031",
    "NaN",
    "Inf",
    "12345678901234567890",
    "0.0000001",
  ];
  let accepted = 0;
  for (let round = 0; round < 500; round++) {
    const samples: string[] = [];
    let last = -1;
    for (let k = Math.floor(next() * 4); k > 0; k--) {
      const t = pick(times);
      if (Number(t) <= last && next() < 0.9) continue;
      last = Math.max(last, Number(t));
      samples.push(`[${ws()}${t}${ws()},${ws()}"${pick(texts)}"${ws()}]`);
    }
    const labels = [
      `"__name__":${ws()}"m"`,
      `"a":"x\\"y"`,
      `"b":"\\u00e9"`,
      `"a":"again"`,
    ].filter(() => next() < 0.7);
    const seriesKeys = [
      `"metric":${ws()}{${labels.join(",")}}`,
      `"values":${ws()}[${samples.join(`,${ws()}`)}]`,
      ...(next() < 0.2 ? [`"histograms":[[1,{"count":"2"}]]`] : []),
    ].sort(() => next() - 0.5);
    const series = `{${ws()}${seriesKeys.join(`,${ws()}`)}${ws()}}`;
    const dataKeys = [
      `"resultType":${ws()}"matrix"`,
      `"result":${ws()}[${next() < 0.8 ? series : ""}]`,
      ...(next() < 0.2 ? [`"stats":{"x":[1,true,null,-2.5e3]}`] : []),
    ].sort(() => next() - 0.5);
    const top = [
      `"status":"success"`,
      `"data":{${dataKeys.join(",")}}`,
      ...(next() < 0.3 ? [`"warnings":["w"]`, `"infos":[]`] : []),
    ].sort(() => next() - 0.5);
    if (agrees(`${ws()}{${ws()}${top.join(`,${ws()}`)}${ws()}}${ws()}`)) {
      accepted++;
    }
  }
  // The shortcut takes most of them (the rest are refused or declined).
  assert(accepted > 200, `accepted only ${accepted} of 500`);
});

Deno.test("`parseMatrixAnswer()` declines every answer the ordinary path refuses or reads differently", () => {
  const series = (values: string, metric = `{"__name__":"m"}`) =>
    envelope(`[{"metric":${metric},"values":${values}}]`);
  const cases = [
    "",
    "\ufeff" + series(`[[1,"1"]]`), // a BOM: TextDecoder drops it
    `{"status":"error","errorType":"bad_data","error":"x"}`,
    series(`[[1,"abc"]]`),
    series(`[[1,""]]`),
    series(`[[1,1]]`),
    series(`[[1,"1"],[1,"2"]]`),
    series(`[[2,"1"],[1,"2"]]`),
    series(`[["1","1"]]`),
    series(`[[1,"1","2"]]`),
    series(`[[01,"1"]]`),
    series(`[[1e999,"1"]]`),
    series(`[[1,"1"]]`, `{"a":1}`),
    series(`[[1,"1"]]`, `{"__proto__":"x"}`),
    series(`{"1":"1"}`),
    envelope(`[{"metric":{},"values":[],"values":[]}]`),
    envelope(`[{"values":[]}]`),
    envelope(`[null]`),
    envelope(`{}`),
    `{"status":"success","data":{"resultType":"vector","result":[]}}`,
    `{"status":"success","status":"success","data":{"resultType":"matrix","result":[]}}`,
    envelope(`[]`) + "x",
    envelope(`[]`).slice(0, -1),
    envelope(`[{"metric":{"a":"\u0001"},"values":[]}]`),
  ];
  for (const text of cases) {
    const fast = parseMatrixAnswer(encoder.encode(text), 4);
    assertEquals(fast, undefined, text);
  }
  // What it declines, the ordinary path still reads when it is legal.
  assertEquals(
    plain(ordinary(cases[1]!) as CompactSeries[]),
    plain([compactSeries({ metric: { __name__: "m" }, values: [[1, "1"]] })]),
  );
});

Deno.test("`parseMatrixAnswer()` makes room for more samples than the request's points", () => {
  const values = Array.from({ length: 50 }, (_, i) => [i, String(i / 4)]);
  const text = JSON.stringify({
    status: "success",
    data: { resultType: "matrix", result: [{ metric: {}, values }] },
  });
  assert(agrees(text, 3));
  // Fewer samples than points: the arrays are cut to the samples.
  const fast = parseMatrixAnswer(encoder.encode(text), 1000)!;
  assertEquals(fast.series[0]!.times.length, 50);
  assertEquals(fast.series[0]!.times.buffer.byteLength, 50 * 8);
});
