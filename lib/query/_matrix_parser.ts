/**
 * A `query_range` answer read straight from its bytes into compact series
 * (./compact_series.ts), without the body as text or a parsed object tree:
 * a parsed `[time, "value"]` pair takes about 110 bytes of heap, its compact
 * form 16.
 *
 * The parser is a shortcut, never the judge: it accepts only answers that
 * `JSON.parse`, the API envelope check (status `success`) and
 * `checkMatrix()` would accept, and gives exactly their series. Anything
 * else (an error answer, a garbage sample, a duplicate key, a time out of
 * order, JSON it does not follow) makes it decline (`undefined`), and the
 * caller parses the text the ordinary way, which gives the ordinary
 * message.
 *
 * Numbers: a time or value text of at most 15 significant digits and 22
 * decimals is `m / 10^k` with `m` and `10^k` exact doubles, so one IEEE
 * division rounds the exact decimal as `Number(text)` does. Such a value
 * text without a trailing fractional zero and at least 1e-6 in size is
 * Prometheus' shortest form of its number (15 digits are recovered from a
 * double, so no other text of that length or shorter names it), so
 * `promValueText` rebuilds it; other texts are read with `Number` and kept
 * when they do not round-trip.
 *
 * @module
 */
import { type CompactSeries, promValueText } from "./compact_series.ts";
import type { Labels } from "./format.ts";

/** Compact series parsed from a `query_range` answer. */
export class DecodedMatrix {
  /** The answer's series, in its order. */
  readonly series: CompactSeries[];

  /**
   * Wraps parsed series.
   *
   * @param series The series.
   */
  constructor(series: CompactSeries[]) {
    this.series = series;
  }
}

/** Thrown inside the parser to decline; never escapes. */
const DECLINE = Symbol("decline");

/** Prometheus' float text (as check_matrix.ts). */
const FLOAT_TEXT =
  /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$|^NaN$|^[+-]?Inf$/;
/** A JSON number. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const MINUS = 0x2d, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;
const OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;

const utf8 = new TextDecoder();

/** A series' samples as they are read; grows when full. */
interface Growing {
  times: Float64Array;
  values: Float64Array;
  texts: Map<number, string> | undefined;
  used: number;
}

class MatrixParser {
  #b: Uint8Array;
  #pos = 0;
  #points: number;
  /** Whether the decimal #decimal just read is `promValueText` of its value. */
  #canonical = false;

  constructor(bytes: Uint8Array, points: number) {
    this.#b = bytes;
    this.#points = Math.max(1, Math.min(points, 1 << 20));
  }

  answer(): DecodedMatrix {
    let status: unknown;
    let series: CompactSeries[] | undefined;
    this.#object((key) => {
      if (key === "status") status = this.#value();
      else if (key === "data") series = this.#data();
      else this.#value();
    });
    this.#ws();
    if (this.#pos !== this.#b.length) throw DECLINE;
    if (status !== "success" || series === undefined) throw DECLINE;
    return new DecodedMatrix(series);
  }

  #data(): CompactSeries[] {
    let resultType: unknown;
    let result: CompactSeries[] | undefined;
    this.#object((key) => {
      if (key === "resultType") resultType = this.#value();
      else if (key === "result") result = this.#result();
      else this.#value();
    });
    if (resultType !== "matrix" || result === undefined) throw DECLINE;
    return result;
  }

  #result(): CompactSeries[] {
    const out: CompactSeries[] = [];
    this.#array(() => out.push(this.#series()));
    return out;
  }

  #series(): CompactSeries {
    let metric: Labels | undefined;
    let samples: Growing | undefined;
    this.#object((key) => {
      if (key === "metric") metric = this.#labels();
      else if (key === "values") samples = this.#samples();
      else this.#value();
    });
    if (metric === undefined || samples === undefined) throw DECLINE;
    const { used, texts } = samples;
    const fit = (a: Float64Array) => a.length === used ? a : a.slice(0, used);
    const times = fit(samples.times);
    const values = fit(samples.values);
    return texts === undefined
      ? { metric, times, values }
      : { metric, times, values, texts };
  }

  #labels(): Labels {
    const labels: Labels = {};
    this.#object((key) => {
      if (key === "__proto__") throw DECLINE;
      this.#ws();
      if (this.#b[this.#pos] !== QUOTE) throw DECLINE;
      labels[key] = this.#string();
    }, true);
    return labels;
  }

  #samples(): Growing {
    const n = this.#points;
    const into: Growing = {
      times: new Float64Array(n),
      values: new Float64Array(n),
      texts: undefined,
      used: 0,
    };
    let last = -Infinity;
    this.#array(() => {
      this.#expect(OPEN_ARRAY);
      const t = this.#time();
      if (!(t > last) || !Number.isFinite(t)) throw DECLINE;
      last = t;
      this.#expect(COMMA);
      this.#ws();
      if (this.#b[this.#pos] !== QUOTE) throw DECLINE;
      if (into.used === into.times.length) grow(into);
      into.times[into.used] = t;
      this.#sampleValue(into);
      into.used++;
      this.#expect(CLOSE_ARRAY);
    });
    return into;
  }

  /** Reads a value text (at its quote) into `into` at `into.used`. */
  #sampleValue(into: Growing): void {
    const start = this.#pos + 1;
    this.#pos = start;
    const value = this.#decimal();
    if (value !== undefined && this.#b[this.#pos] === QUOTE) {
      this.#pos++;
      if (this.#canonical) {
        into.values[into.used] = value;
        return;
      }
    }
    this.#pos = start - 1;
    const text = this.#string();
    if (!FLOAT_TEXT.test(text)) throw DECLINE;
    const number = Number(text);
    into.values[into.used] = number;
    if (promValueText(number) !== text) {
      (into.texts ??= new Map()).set(into.used, text);
    }
  }

  /** A JSON number (a sample's time). */
  #time(): number {
    this.#ws();
    const start = this.#pos;
    const value = this.#decimal();
    const next = this.#b[this.#pos];
    if (value !== undefined && next !== 0x65 && next !== 0x45) return value;
    this.#pos = start;
    return this.#number();
  }

  /**
   * Reads `-?digits(.digits)?` at the position when it has at most 15
   * significant digits and 22 decimals and the integer part no leading
   * zero, returning its value (`m / 10^k`, exact as `Number`) and setting
   * #canonical (no trailing fractional zero, 0 or at least 1e-6: the text
   * `promValueText` gives); else `undefined`, the position anywhere.
   */
  #decimal(): number | undefined {
    const b = this.#b;
    let i = this.#pos;
    const negative = b[i] === MINUS;
    if (negative) i++;
    const first = i;
    let m = 0, significant = 0, decimals = 0, c = b[i] ?? 0;
    while (c >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      if (m !== 0) significant++;
      c = b[++i] ?? 0;
    }
    const intDigits = i - first;
    if (intDigits === 0 || (intDigits > 1 && b[first] === ZERO)) {
      return undefined;
    }
    let trailingZero = false;
    if (c === DOT) {
      c = b[++i] ?? 0;
      while (c >= ZERO && c <= NINE) {
        m = m * 10 + (c - ZERO);
        if (m !== 0) significant++;
        decimals++;
        trailingZero = c === ZERO;
        c = b[++i] ?? 0;
      }
      if (decimals === 0) return undefined;
    }
    if (significant > 15 || decimals > 22) return undefined;
    this.#pos = i;
    const size = m / (POW10[decimals] as number);
    this.#canonical = !trailingZero &&
      (m === 0 ? decimals === 0 : size >= 1e-6);
    return negative ? -size : size;
  }

  /** Any JSON number, read with `Number`. */
  #number(): number {
    const b = this.#b;
    const start = this.#pos;
    let i = start;
    for (;;) {
      const c = b[i] ?? 0;
      const part = (c >= ZERO && c <= NINE) || c === MINUS || c === DOT ||
        c === 0x2b || c === 0x65 || c === 0x45;
      if (!part) break;
      i++;
    }
    const text = latin1(b, start, i);
    if (!JSON_NUMBER.test(text)) throw DECLINE;
    this.#pos = i;
    return Number(text);
  }

  /** A JSON string at the position (its opening quote). */
  #string(): string {
    const b = this.#b;
    const start = this.#pos;
    let i = start + 1;
    let plain = true;
    for (;;) {
      const c = b[i];
      if (c === undefined || c < 0x20) throw DECLINE;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        plain = false;
        i += 2;
        continue;
      }
      if (c >= 0x80) plain = false;
      i++;
    }
    this.#pos = i + 1;
    if (plain) return latin1(b, start + 1, i);
    try {
      return JSON.parse(utf8.decode(b.subarray(start, i + 1))) as string;
    } catch {
      throw DECLINE;
    }
  }

  /** Any JSON value (for keys the answer may carry and we do not use). */
  #value(): unknown {
    this.#ws();
    const c = this.#b[this.#pos];
    if (c === QUOTE) return this.#string();
    if (c === OPEN_OBJECT) {
      const out: Record<string, unknown> = {};
      this.#object((key) => {
        out[key] = this.#value();
      }, true);
      return out;
    }
    if (c === OPEN_ARRAY) {
      const out: unknown[] = [];
      this.#array(() => out.push(this.#value()));
      return out;
    }
    for (const [word, value] of LITERALS) {
      if (this.#word(word)) return value;
    }
    return this.#number();
  }

  #word(word: string): boolean {
    for (let k = 0; k < word.length; k++) {
      if (this.#b[this.#pos + k] !== word.charCodeAt(k)) return false;
    }
    this.#pos += word.length;
    return true;
  }

  /**
   * An object: `each(key)` reads the value after the colon. Keys may repeat
   * only when `repeats` (JSON.parse keeps the last).
   */
  #object(each: (key: string) => void, repeats = false): void {
    this.#expect(OPEN_OBJECT);
    this.#ws();
    if (this.#b[this.#pos] === CLOSE_OBJECT) {
      this.#pos++;
      return;
    }
    const seen = repeats ? undefined : new Set<string>();
    for (;;) {
      this.#ws();
      if (this.#b[this.#pos] !== QUOTE) throw DECLINE;
      const key = this.#string();
      if (seen !== undefined) {
        if (seen.has(key)) throw DECLINE;
        seen.add(key);
      }
      this.#expect(COLON);
      each(key);
      this.#ws();
      const c = this.#b[this.#pos++];
      if (c === CLOSE_OBJECT) return;
      if (c !== COMMA) throw DECLINE;
    }
  }

  /** An array: `each()` reads one element. */
  #array(each: () => void): void {
    this.#expect(OPEN_ARRAY);
    this.#ws();
    if (this.#b[this.#pos] === CLOSE_ARRAY) {
      this.#pos++;
      return;
    }
    for (;;) {
      each();
      this.#ws();
      const c = this.#b[this.#pos++];
      if (c === CLOSE_ARRAY) return;
      if (c !== COMMA) throw DECLINE;
    }
  }

  #expect(byte: number): void {
    this.#ws();
    if (this.#b[this.#pos] !== byte) throw DECLINE;
    this.#pos++;
  }

  #ws(): void {
    const b = this.#b;
    let c = b[this.#pos];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      c = b[++this.#pos];
    }
  }
}

const LITERALS: readonly [string, unknown][] = [
  ["true", true],
  ["false", false],
  ["null", null],
];

/** Bytes `[from, to)` (ASCII) as text. */
function latin1(b: Uint8Array, from: number, to: number): string {
  if (to - from > 4096) return utf8.decode(b.subarray(from, to));
  return String.fromCharCode.apply(
    null,
    b.subarray(from, to) as unknown as number[],
  );
}

function grow(into: Growing): void {
  const size = into.times.length * 2;
  const times = new Float64Array(size);
  const values = new Float64Array(size);
  times.set(into.times);
  values.set(into.values);
  into.times = times;
  into.values = values;
}

/**
 * Parses a `query_range` answer's bytes into compact series, or declines.
 *
 * @param bytes The body, UTF-8.
 * @param points The request's evaluation points (the most samples a series
 *   can have; room for more is made when needed).
 * @returns The series, or `undefined` when the answer is anything but a
 *   clean successful matrix (parse the text then, for the message).
 *
 * @example
 * ```ts
 * import { parseMatrixAnswer } from "./_matrix_parser.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const body = new TextEncoder().encode('{"status":"success","data":{"resultType":"matrix","result":' +
 *   '[{"metric":{"__name__":"x"},"values":[[1,"2.5"],[2,"+Inf"]]}]}}');
 * const [s] = parseMatrixAnswer(body, 2)!.series;
 * assertEquals([s!.metric, [...s!.times], [...s!.values], s!.texts], [{ __name__: "x" }, [1, 2], [2.5, NaN], new Map([[1, "+Inf"]])]);
 * assertEquals(parseMatrixAnswer(new TextEncoder().encode('{"status":"error"}'), 2), undefined);
 * ```
 */
export function parseMatrixAnswer(
  bytes: Uint8Array,
  points: number,
): DecodedMatrix | undefined {
  try {
    return new MatrixParser(bytes, points).answer();
  } catch {
    // DECLINE, or a nesting too deep for the stack: the text path decides.
    return undefined;
  }
}
