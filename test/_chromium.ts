/**
 * Test harness for headless Chromium (the Debian `chromium` package):
 * screenshot an HTML file, dump its DOM after scripts ran, and decode the
 * PNG to check that something was drawn. Each run uses a fresh temporary
 * profile folder (removed afterwards) and the flags of
 * `shared/reference/environment.md` §4, so no network, sync or first-run
 * machinery interferes.
 *
 * ```ts ignore
 * import { requireChromium, screenshot, decodePng } from "./_chromium.ts";
 * Deno.test({ name: "the report draws", ...requireChromium(), fn: async () => {
 *   await screenshot("/abs/report.html", "/abs/report.png", { width: 1000, height: 800 });
 *   const png = decodePng(await Deno.readFile("/abs/report.png"));
 * } });
 * ```
 *
 * Permissions: `--allow-run=chromium --allow-read --allow-write
 * --allow-env=CI,PATH`.
 *
 * @module
 */
import { unzlibSync } from "fflate";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

function envGet(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined; // no --allow-env: treat as unset
  }
}

/** Where Chromium is looked for first; then `chromium` on PATH. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * The Chromium executable: {@linkcode CHROMIUM_PATH} if it exists, else
 * `chromium` or `chromium-browser` on `path`, else undefined.
 *
 * @example
 * ```ts
 * import { findChromium } from "./_chromium.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(findChromium({ candidates: ["/nonexistent/chromium"], path: "/nonexistent" }), undefined);
 * ```
 */
export function findChromium(
  options: { candidates?: readonly string[]; path?: string } = {},
): string | undefined {
  const dirs = (options.path ?? envGet("PATH") ?? "/usr/bin:/bin").split(":")
    .filter((d) => d !== "");
  const candidates = options.candidates ?? [
    CHROMIUM_PATH,
    ...dirs.flatMap((d) => [join(d, "chromium"), join(d, "chromium-browser")]),
  ];
  for (const candidate of candidates) {
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Result of {@linkcode requireChromium}: spread it into a `Deno.test` definition. */
export interface ChromiumRequirement {
  /** True when Chromium is missing and the test must be skipped. */
  ignore: boolean;
  /** Why it is skipped, or `""`. */
  reason: string;
}

/** Options of {@linkcode requireChromium}. */
export interface RequireChromiumOptions {
  /** Whether a missing Chromium fails instead of skipping. Default: env `CI` is set and not empty. */
  ci?: boolean;
  /** Executables tried. Default: see {@linkcode findChromium}. */
  candidates?: readonly string[];
}

const warned = new Set<string>();

/**
 * Skips a test when Chromium is not installed and `CI` is unset (printing
 * why, once); when `CI` is set the test runs and fails with the clear error
 * of {@linkcode screenshot} or {@linkcode dumpDom}.
 *
 * @example
 * ```ts
 * import { requireChromium } from "./_chromium.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const missing = requireChromium({ ci: false, candidates: ["/nonexistent/chromium"] });
 * assertEquals(missing, { ignore: true,
 *   reason: "skipped: chromium not installed; apt-get install chromium fonts-dejavu-core" });
 * assertEquals(requireChromium({ ci: true, candidates: ["/nonexistent/chromium"] }).ignore, false);
 * ```
 */
export function requireChromium(
  options: RequireChromiumOptions = {},
): ChromiumRequirement {
  const found = findChromium(
    options.candidates === undefined ? {} : { candidates: options.candidates },
  );
  if (found !== undefined) return { ignore: false, reason: "" };
  const ci = options.ci ?? (envGet("CI") ?? "") !== "";
  if (ci) return { ignore: false, reason: "" };
  const reason =
    "skipped: chromium not installed; apt-get install chromium fonts-dejavu-core";
  if (!warned.has(reason)) {
    warned.add(reason);
    console.warn(reason);
  }
  return { ignore: true, reason };
}

/** Options shared by {@linkcode screenshot} and {@linkcode dumpDom}. */
export interface ChromiumOptions {
  /** Virtual time the page gets to run its scripts, in ms. Default: 10000. */
  virtualTimeBudgetMs?: number;
  /** Wall-clock limit of the Chromium process, in ms. Default: 60000. */
  timeoutMs?: number;
  /** The executable. Default: {@linkcode findChromium}(). */
  binary?: string;
}

/** Options of {@linkcode screenshot}. */
export interface ScreenshotOptions extends ChromiumOptions {
  /** Window width in px. Default: 1000. */
  width?: number;
  /** Window height in px (the screenshot's height). Default: 800. */
  height?: number;
}

/** The flags every run gets (environment.md §4), before the per-run ones. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--hide-scrollbars",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
] as const;

async function runChromium(
  htmlPath: string,
  extra: readonly string[],
  options: ChromiumOptions,
): Promise<string> {
  const binary = options.binary ?? findChromium();
  if (binary === undefined) {
    throw new Error(
      `Cannot open ${htmlPath} in Chromium: chromium is not installed (apt-get install chromium fonts-dejavu-core)`,
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "kepler-chromium-" });
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    const output = await new Deno.Command(binary, {
      args: [
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${profile}`,
        `--virtual-time-budget=${options.virtualTimeBudgetMs ?? 10_000}`,
        ...extra,
        pathToFileURL(resolve(htmlPath)).href,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
    if (!output.success) {
      const stderr = new TextDecoder().decode(output.stderr).trim();
      throw new Error(
        `Cannot open ${htmlPath} in Chromium: ${binary} exited with code ${output.code}${
          output.signal
            ? ` (signal ${output.signal}, limit ${timeoutMs} ms)`
            : ""
        }: ${stderr.split("\n").slice(-5).join(" | ")}`,
      );
    }
    return new TextDecoder().decode(output.stdout);
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/**
 * Opens an HTML file in headless Chromium and writes a PNG screenshot of
 * the window (`width` × `height`). Both paths are made absolute. Throws an
 * Error with Chromium's last stderr lines when it fails or writes no PNG.
 *
 * @example
 * ```ts ignore
 * import { screenshot } from "./_chromium.ts";
 * await screenshot("report.html", "report.png", { width: 1000, height: 800 });
 * ```
 */
export async function screenshot(
  htmlPath: string,
  pngPath: string,
  options: ScreenshotOptions = {},
): Promise<void> {
  const out = isAbsolute(pngPath) ? pngPath : resolve(pngPath);
  await Deno.remove(out).catch(() => {});
  await runChromium(htmlPath, [
    `--window-size=${options.width ?? 1000},${options.height ?? 800}`,
    `--screenshot=${out}`,
  ], options);
  await assertWritten(htmlPath, out);
}

async function assertWritten(htmlPath: string, png: string): Promise<void> {
  try {
    await Deno.stat(png);
  } catch (error) {
    throw new Error(
      `Cannot screenshot ${htmlPath}: Chromium exited without writing ${png}`,
      { cause: error },
    );
  }
}

/**
 * Opens an HTML file in headless Chromium, lets its scripts run, and
 * returns the serialized DOM (`--dump-dom`).
 *
 * @example
 * ```ts ignore
 * import { dumpDom } from "./_chromium.ts";
 * const dom = await dumpDom("report.html");
 * ```
 */
export function dumpDom(
  htmlPath: string,
  options: ChromiumOptions = {},
): Promise<string> {
  return runChromium(htmlPath, ["--dump-dom"], options);
}

/**
 * Screenshot and DOM of one page load (one Chromium run instead of two):
 * writes the PNG like {@linkcode screenshot} and returns the DOM like
 * {@linkcode dumpDom}.
 *
 * @example
 * ```ts ignore
 * import { capturePage } from "./_chromium.ts";
 * const dom = await capturePage("report.html", "report.png", { width: 1000, height: 800 });
 * ```
 */
export async function capturePage(
  htmlPath: string,
  pngPath: string,
  options: ScreenshotOptions = {},
): Promise<string> {
  const out = isAbsolute(pngPath) ? pngPath : resolve(pngPath);
  await Deno.remove(out).catch(() => {});
  const dom = await runChromium(htmlPath, [
    `--window-size=${options.width ?? 1000},${options.height ?? 800}`,
    `--screenshot=${out}`,
    "--dump-dom",
  ], options);
  await assertWritten(htmlPath, out);
  return dom;
}

// ------------------------------------------------------------------- PNG

/** A decoded 8-bit image, 4 bytes (RGBA) per pixel, row by row. */
export interface RgbaImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** RGBA bytes, `4 * width * height`. */
  pixels: Uint8Array;
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a non-interlaced 8-bit RGB or RGBA PNG (what Chromium writes):
 * IDAT chunks inflated with fflate, scanline filters 0–4 undone. Other
 * formats throw a `TypeError` naming the format; a damaged file throws a
 * `SyntaxError`.
 *
 * @example
 * ```ts
 * import { decodePng, encodePngForTest } from "./_chromium.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const rgba = Uint8Array.of(255, 0, 0, 255, 0, 0, 255, 255, 1, 2, 3, 255, 9, 9, 9, 255);
 * assertEquals(decodePng(encodePngForTest(2, 2, rgba, [4, 2])).pixels, rgba);
 * ```
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw new SyntaxError("Cannot decode PNG: the signature is missing");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0, height = 0, colorType = -1;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (data.length !== length) {
      throw new SyntaxError(`Cannot decode PNG: chunk ${type} is truncated`);
    }
    if (type === "IHDR") {
      const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = d.getUint32(0);
      height = d.getUint32(4);
      const bitDepth = data[8]!;
      colorType = data[9]!;
      const interlace = data[12]!;
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6)) {
        throw new TypeError(
          `Cannot decode PNG: only 8-bit RGB or RGBA is supported, got bit depth ${bitDepth}, colour type ${colorType}`,
        );
      }
      if (interlace !== 0) {
        throw new TypeError(
          "Cannot decode PNG: interlaced images are not supported",
        );
      }
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    pos += 12 + length;
  }
  if (colorType < 0 || idat.length === 0) {
    throw new SyntaxError("Cannot decode PNG: IHDR or IDAT chunk is missing");
  }
  const compressed = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of idat) {
    compressed.set(chunk, offset);
    offset += chunk.length;
  }
  const raw = unzlibSync(compressed);
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) {
    throw new SyntaxError(
      `Cannot decode PNG: ${raw.length} bytes of image data, expected ${
        height * (stride + 1)
      }`,
    );
  }
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x]!;
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
      let r: number;
      switch (filter) {
        case 0:
          r = v;
          break;
        case 1:
          r = v + a;
          break;
        case 2:
          r = v + b;
          break;
        case 3:
          r = v + ((a + b) >> 1);
          break;
        case 4:
          r = v + paeth(a, b, c);
          break;
        default:
          throw new SyntaxError(
            `Cannot decode PNG: row ${y} has filter type ${filter}, expected 0–4`,
          );
      }
      out[row + x] = r & 255;
    }
  }
  if (bpp === 4) return { width, height, pixels: out };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
    rgba[j] = out[i]!;
    rgba[j + 1] = out[i + 1]!;
    rgba[j + 2] = out[i + 2]!;
    rgba[j + 3] = 255;
  }
  return { width, height, pixels: rgba };
}

/**
 * A minimal RGBA PNG encoder for tests of {@linkcode decodePng}: each row
 * uses the filter type given for it (cycling), so all five filters can be
 * exercised. CRCs are written as zero (the decoder does not check them).
 *
 * @example
 * ```ts
 * import { decodePng, encodePngForTest } from "./_chromium.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const px = Uint8Array.of(10, 20, 30, 255);
 * assertEquals(decodePng(encodePngForTest(1, 1, px)).pixels, px);
 * ```
 */
export function encodePngForTest(
  width: number,
  height: number,
  rgba: Uint8Array,
  filters: readonly number[] = [0],
): Uint8Array {
  const stride = width * 4;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const v = rgba[y * stride + x]!;
      const a = x >= 4 ? rgba[y * stride + x - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? rgba[(y - 1) * stride + x - 4]! : 0;
      const pred = f === 0
        ? 0
        : f === 1
        ? a
        : f === 2
        ? b
        : f === 3
        ? (a + b) >> 1
        : paeth(a, b, c);
      raw[y * (stride + 1) + 1 + x] = (v - pred) & 255;
    }
  }
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set([...type].map((ch) => ch.charCodeAt(0)), 4);
    out.set(data, 8);
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  // zlib "stored" stream: header, one raw deflate block per 65535 bytes,
  // Adler-32 (unchecked here, but written correctly).
  const blocks: number[] = [0x78, 0x01];
  let i = 0;
  do {
    const part = raw.subarray(i, i + 65535);
    i += part.length;
    const n = part.length;
    blocks.push(
      i >= raw.length ? 1 : 0,
      n & 255,
      n >> 8,
      ~n & 255,
      (~n >> 8) & 255,
    );
    for (const v of part) blocks.push(v);
  } while (i < raw.length);
  let s1 = 1, s2 = 0;
  for (const v of raw) {
    s1 = (s1 + v) % 65521;
    s2 = (s2 + s1) % 65521;
  }
  blocks.push((s2 >> 8) & 255, s2 & 255, (s1 >> 8) & 255, s1 & 255);
  const parts = [
    Uint8Array.from(PNG_SIGNATURE),
    chunk("IHDR", ihdr),
    chunk("IDAT", Uint8Array.from(blocks)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A rectangle of an image, in pixels (right and bottom exclusive). */
export interface Region {
  /** Left edge. */
  left: number;
  /** Top edge. */
  top: number;
  /** Right edge (exclusive). */
  right: number;
  /** Bottom edge (exclusive). */
  bottom: number;
}

/** Options of {@linkcode countPixels}. */
export interface CountPixelsOptions {
  /** Region counted. Default: the whole image. */
  region?: Region;
  /** Max per-channel difference still counted as the colour. Default: 24. */
  tolerance?: number;
}

/**
 * Counts the pixels of a region that are within `tolerance` of `rgb`
 * (`near`) and the ones that differ from it (`far`).
 *
 * @example
 * ```ts
 * import { countPixels } from "./_chromium.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const image = { width: 2, height: 1, pixels: Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 255) };
 * assertEquals(countPixels(image, [250, 250, 250]), { near: 1, far: 1, total: 2 });
 * ```
 */
export function countPixels(
  image: RgbaImage,
  rgb: readonly [number, number, number],
  options: CountPixelsOptions = {},
): { near: number; far: number; total: number } {
  const r = options.region ??
    { left: 0, top: 0, right: image.width, bottom: image.height };
  const tolerance = options.tolerance ?? 24;
  let near = 0, total = 0;
  for (let y = Math.max(0, r.top); y < Math.min(image.height, r.bottom); y++) {
    for (
      let x = Math.max(0, r.left);
      x < Math.min(image.width, r.right);
      x++
    ) {
      const i = (y * image.width + x) * 4;
      total++;
      if (
        Math.abs(image.pixels[i]! - rgb[0]) <= tolerance &&
        Math.abs(image.pixels[i + 1]! - rgb[1]) <= tolerance &&
        Math.abs(image.pixels[i + 2]! - rgb[2]) <= tolerance
      ) near++;
    }
  }
  return { near, far: total - near, total };
}

/**
 * The colour of one pixel as `[r, g, b]`.
 *
 * @example
 * ```ts
 * import { pixelAt } from "./_chromium.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(pixelAt({ width: 1, height: 1, pixels: Uint8Array.of(1, 2, 3, 255) }, 0, 0), [1, 2, 3]);
 * ```
 */
export function pixelAt(
  image: RgbaImage,
  x: number,
  y: number,
): [number, number, number] {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) {
    throw new RangeError(
      `Cannot read pixel (${x}, ${y}): the image is ${image.width}×${image.height}`,
    );
  }
  const i = (y * image.width + x) * 4;
  return [image.pixels[i]!, image.pixels[i + 1]!, image.pixels[i + 2]!];
}
