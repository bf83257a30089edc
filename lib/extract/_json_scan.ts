/**
 * A byte-level scanner for the query JSON (metric → series with `metric`
 * labels and `values` samples). It reads numbers straight from the bytes into
 * Float64Arrays, so a large query is never materialised as JS objects.
 * Private to lib/extract.
 *
 * @module
 */
import { notQueryJson } from "../query/not_query_json.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const decoder = new TextDecoder();

/** Callbacks of {@linkcode scanQuery}. */
export interface ScanSink {
  /** Whether to read a metric's series (skipped otherwise). */
  include(metric: string): boolean;
  /** One series: labels and its samples (the arrays are reused: copy them). */
  series(
    metric: string,
    labels: Record<string, string>,
    t: Float64Array,
    v: Float64Array,
    n: number,
  ): void;
  /** A metric is complete (all its series were delivered). */
  endMetric(metric: string): void;
}

interface State {
  b: Uint8Array;
  i: number;
  origin: string;
  t: Float64Array;
  v: Float64Array;
}

function fail(s: State, what: string): never {
  const near = decoder.decode(
    s.b.subarray(s.i, Math.min(s.b.length, s.i + 24)),
  );
  throw new SyntaxError(
    `Cannot parse ${s.origin} as a query JSON: ${what} at byte ${s.i} (near ${
      JSON.stringify(near)
    })`,
  );
}

function ws(s: State): void {
  const b = s.b;
  let i = s.i;
  while (i < b.length) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  s.i = i;
}

function expect(s: State, byte: number, what: string): void {
  ws(s);
  if (s.b[s.i] !== byte) fail(s, `expected ${what}`);
  s.i++;
}

function stringEnd(s: State): { end: number; escaped: boolean } {
  const b = s.b;
  let i = s.i + 1;
  let escaped = false;
  while (i < b.length) {
    const c = b[i]!;
    if (c === QUOTE) return { end: i, escaped };
    if (c === BACKSLASH) {
      escaped = true;
      i += 2;
    } else i++;
  }
  return fail(s, "unterminated string");
}

function readString(s: State): string {
  ws(s);
  if (s.b[s.i] !== QUOTE) fail(s, "expected a string");
  const { end, escaped } = stringEnd(s);
  const text = escaped
    ? JSON.parse(decoder.decode(s.b.subarray(s.i, end + 1))) as string
    : decoder.decode(s.b.subarray(s.i + 1, end));
  s.i = end + 1;
  return text;
}

/** Parses a number from bytes [start, end); NaN when not a number. */
function numberAt(b: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (b[i] === MINUS) {
    negative = true;
    i++;
  } else if (b[i] === PLUS) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let any = false;
  while (i < end) {
    const c = b[i]!;
    if (c < ZERO || c > NINE) break;
    if (digits > 0 || c !== ZERO) digits++;
    mantissa = mantissa * 10 + (c - ZERO);
    any = true;
    i++;
  }
  if (i < end && b[i] === DOT) {
    i++;
    while (i < end) {
      const c = b[i]!;
      if (c < ZERO || c > NINE) break;
      if (digits > 0 || c !== ZERO) digits++;
      mantissa = mantissa * 10 + (c - ZERO);
      fraction++;
      any = true;
      i++;
    }
  }
  let exponent = 0;
  if (any && i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    let expNegative = false;
    if (b[i] === MINUS) {
      expNegative = true;
      i++;
    } else if (b[i] === PLUS) i++;
    let expDigits = 0;
    while (i < end) {
      const c = b[i]!;
      if (c < ZERO || c > NINE) break;
      exponent = exponent * 10 + (c - ZERO);
      expDigits++;
      i++;
    }
    if (expDigits === 0) return slowNumber(b, start, end);
    if (expNegative) exponent = -exponent;
  }
  if (!any || i !== end || digits > 15) return slowNumber(b, start, end);
  const scale = exponent - fraction;
  let value: number;
  if (scale === 0) value = mantissa;
  else if (scale > 0 && scale <= 22) value = mantissa * POW10[scale]!;
  else if (scale < 0 && scale >= -22) value = mantissa / POW10[-scale]!;
  else return slowNumber(b, start, end);
  return negative ? -value : value;
}

function slowNumber(b: Uint8Array, start: number, end: number): number {
  const text = decoder.decode(b.subarray(start, end)).trim();
  const inf = /^([+-]?)inf(inity)?$/i.exec(text);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  if (text === "") return NaN;
  return Number(text);
}

/** Reads a number token, a quoted number, or NaN/Infinity literals. */
function readNumber(s: State): number {
  ws(s);
  const b = s.b;
  if (b[s.i] === QUOTE) {
    const { end, escaped } = stringEnd(s);
    const value = escaped
      ? Number(JSON.parse(decoder.decode(b.subarray(s.i, end + 1))))
      : numberAt(b, s.i + 1, end);
    s.i = end + 1;
    return value;
  }
  const start = s.i;
  let i = start;
  while (i < b.length) {
    const c = b[i]!;
    if (
      c === COMMA || c === RBRACKET || c === RBRACE || c === 0x20 ||
      c === 0x0a || c === 0x0d || c === 0x09
    ) break;
    i++;
  }
  if (i === start) fail(s, "expected a number");
  s.i = i;
  return numberAt(b, start, i);
}

function skipValue(s: State): void {
  ws(s);
  const b = s.b;
  let depth = 0;
  do {
    ws(s);
    const c = b[s.i];
    if (c === undefined) fail(s, "unexpected end of input");
    if (c === QUOTE) {
      s.i = stringEnd(s).end + 1;
    } else if (c === LBRACE || c === LBRACKET) {
      depth++;
      s.i++;
    } else if (c === RBRACE || c === RBRACKET) {
      depth--;
      s.i++;
    } else if (c === COMMA || c === COLON) {
      s.i++;
    } else {
      while (s.i < b.length) {
        const d = b[s.i]!;
        if (
          d === COMMA || d === RBRACKET || d === RBRACE || d === COLON ||
          d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09
        ) break;
        s.i++;
      }
    }
  } while (depth > 0);
}

function grow(s: State): void {
  const t = new Float64Array(s.t.length * 2);
  t.set(s.t);
  const v = new Float64Array(s.v.length * 2);
  v.set(s.v);
  s.t = t;
  s.v = v;
}

function readLabels(s: State): Record<string, string> {
  const labels: Record<string, string> = {};
  expect(s, LBRACE, "'{' opening the labels");
  ws(s);
  if (s.b[s.i] === RBRACE) {
    s.i++;
    return labels;
  }
  for (;;) {
    const key = readString(s);
    expect(s, COLON, "':' after a label name");
    ws(s);
    if (s.b[s.i] === QUOTE) labels[key] = readString(s);
    else skipValue(s);
    ws(s);
    const c = s.b[s.i];
    s.i++;
    if (c === COMMA) continue;
    if (c === RBRACE) return labels;
    s.i--;
    fail(s, "expected ',' or '}' in the labels");
  }
}

function readValues(s: State): number {
  expect(s, LBRACKET, "'[' opening the values");
  ws(s);
  let n = 0;
  if (s.b[s.i] === RBRACKET) {
    s.i++;
    return 0;
  }
  for (;;) {
    expect(s, LBRACKET, "'[' opening a sample");
    if (n === s.t.length) grow(s);
    s.t[n] = readNumber(s);
    expect(s, COMMA, "',' inside a sample");
    s.v[n] = readNumber(s);
    expect(s, RBRACKET, "']' closing a sample");
    n++;
    ws(s);
    const c = s.b[s.i];
    s.i++;
    if (c === COMMA) continue;
    if (c === RBRACKET) return n;
    s.i--;
    fail(s, "expected ',' or ']' between samples");
  }
}

function readSeries(s: State, metric: string, sink: ScanSink): void {
  const lacks = () =>
    notQueryJson(s.origin, `a series of ${metric} lacks "metric" or "values"`);
  ws(s);
  if (s.b[s.i] !== LBRACE) throw lacks();
  s.i++;
  let labels: Record<string, string> | undefined;
  let n: number | undefined;
  ws(s);
  if (s.b[s.i] === RBRACE) {
    s.i++;
  } else {
    for (;;) {
      const key = readString(s);
      expect(s, COLON, "':' after a key");
      if (key === "metric") labels = readLabels(s);
      else if (key === "values") n = readValues(s);
      else skipValue(s);
      ws(s);
      const c = s.b[s.i];
      s.i++;
      if (c === COMMA) continue;
      if (c === RBRACE) break;
      s.i--;
      fail(s, "expected ',' or '}' in a series");
    }
  }
  if (labels === undefined || n === undefined) throw lacks();
  sink.series(metric, labels, s.t, s.v, n);
}

/**
 * Scans a query JSON held as bytes, delivering each series of each included
 * metric to the sink. Throws a `SyntaxError` naming the byte offset when the
 * text is not a query JSON.
 */
export function scanQuery(
  bytes: Uint8Array,
  origin: string,
  sink: ScanSink,
): void {
  const s: State = {
    b: bytes,
    i: 0,
    origin,
    t: new Float64Array(1024),
    v: new Float64Array(1024),
  };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) s.i = 3;
  ws(s);
  if (s.b[s.i] !== LBRACE) {
    throw notQueryJson(origin, "expected an object from metric name to series");
  }
  s.i++;
  ws(s);
  if (s.b[s.i] === RBRACE) {
    s.i++;
  } else {
    for (;;) {
      const metric = readString(s);
      expect(s, COLON, "':' after a metric name");
      ws(s);
      if (s.i >= s.b.length) {
        fail(
          s,
          `expected the series of metric ${metric}, found the end of the file,`,
        );
      }
      if (s.b[s.i] !== LBRACKET) {
        throw notQueryJson(origin, `metric ${metric} is not a list of series`);
      }
      if (!sink.include(metric)) {
        skipValue(s);
      } else {
        s.i++;
        ws(s);
        if (s.b[s.i] === RBRACKET) {
          s.i++;
        } else {
          for (;;) {
            readSeries(s, metric, sink);
            ws(s);
            const c = s.b[s.i];
            s.i++;
            if (c === COMMA) continue;
            if (c === RBRACKET) break;
            s.i--;
            fail(s, "expected ',' or ']' between series");
          }
        }
        sink.endMetric(metric);
      }
      ws(s);
      const c = s.b[s.i];
      s.i++;
      if (c === COMMA) continue;
      if (c === RBRACE) break;
      s.i--;
      fail(s, "expected ',' or '}' between metrics");
    }
  }
  ws(s);
  if (s.i < bytes.length) fail(s, "unexpected text after the query object");
}
