/**
 * Downloading a pipeline zip (INITIAL_PIPELINE_URL) into memory: bounded in
 * time and size, and never written to disk, so `serve` needs no write
 * permission. The pipeline's name is the URL's file name without `.zip`,
 * as upstream names it.
 *
 * @module
 */
import { basename } from "node:path";
import { checkPipelineName } from "./_fields.ts";
import type { ZipLimits } from "../io/zip.ts";
import { loadPipelineZip, type ServedPipeline } from "./pipeline_catalog.ts";
import { downloadBytes } from "./_download.ts";

/** Options of {@linkcode fetchPipeline}. */
export interface FetchPipelineOptions {
  /**
   * Time for the whole download, in ms.
   *
   * @default {60000}
   */
  timeoutMs?: number;
  /**
   * Largest zip accepted, in bytes.
   *
   * @default {undefined} 512 MiB
   */
  maxBytes?: number;
  /**
   * Bounds on what the zip may inflate to, checked from its central
   * directory before anything is inflated.
   *
   * @default {ZIP_LIMITS} 1 GiB, 10,000 entries, ratio 200
   */
  zipLimits?: ZipLimits;
}

/**
 * The pipeline name of a pipeline zip URL. Throws a `TypeError` for a URL
 * that does not parse, a `RangeError` for a scheme other than http(s) or a
 * file name that is not a valid pipeline name.
 *
 * @example
 * ```ts
 * import { pipelineNameOfUrl } from "./fetch_pipeline.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(pipelineNameOfUrl("https://raw.githubusercontent.com/x/models/v0.7/ec2-0.7.11.zip"), "ec2-0.7.11");
 * assertThrows(() => pipelineNameOfUrl("http://h/%2e%2e.zip"), RangeError);
 * ```
 */
export function pipelineNameOfUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new RangeError(
      `Cannot download pipeline ${url}: only http and https URLs are supported`,
    );
  }
  let file: string;
  try {
    file = decodeURIComponent(basename(parsed.pathname));
  } catch {
    throw new RangeError(`Cannot download pipeline ${url}: bad %-escape`);
  }
  return checkPipelineName(
    file.replace(/\.zip$/i, ""),
    `pipeline name in ${url}`,
  );
}

/**
 * Downloads a pipeline zip and reads it into memory. Throws when the URL
 * is bad, the server answers other than 200, the download is too slow or
 * too large, or the zip is not a pipeline.
 *
 * @param url The http(s) URL of the pipeline zip; its file name without
 *   `.zip` names the pipeline.
 * @param options Time and size limits of the download.
 * @returns The pipeline read from the zip in memory (kind `"url"`).
 * @throws {TypeError} when the URL does not parse, or the zip has no
 *   metadata.json.
 * @throws {RangeError} when the URL is not http(s), its file name is not a
 *   valid pipeline name, the zip is larger than `maxBytes`, or an entry
 *   would leave the pipeline.
 * @throws {Error} when the server answers other than 200 or the download
 *   takes longer than `timeoutMs`.
 * @throws {SyntaxError} when the zip is corrupt.
 *
 * @example
 * ```ts
 * import { fetchPipeline } from "./fetch_pipeline.ts";
 * import { zipEntries } from "../io/zip.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const zip = zipEntries({ "metadata.json": new TextEncoder().encode("{}") });
 * await using files = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response(zip as Uint8Array<ArrayBuffer>));
 * const p = await fetchPipeline(`http://127.0.0.1:${files.addr.port}/v0.7/ec2-0.7.11.zip`, { timeoutMs: 5000 });
 * assertEquals([p.name, p.kind, p.models.length], ["ec2-0.7.11", "url", 0]);
 * ```
 */
export async function fetchPipeline(
  url: string,
  options: FetchPipelineOptions = {},
): Promise<ServedPipeline> {
  const name = pipelineNameOfUrl(url);
  const bytes = await downloadBytes(url, "pipeline", options);
  return await loadPipelineZip(bytes, {
    name,
    origin: url,
    ...(options.zipLimits ? { zipLimits: options.zipLimits } : {}),
  });
}
