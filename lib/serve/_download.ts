/**
 * One bounded download into memory (pipeline zips of INITIAL_PIPELINE_URL,
 * models of the estimator's `<LEVEL>_<COVERAGE>_INIT_URL`): the whole
 * answer within a time limit and a size limit, or an error that names the
 * URL. Deno's `fetch` also reads `file:` URLs (with read permission).
 *
 * @module
 */
import { concatBytes } from "./_deadline.ts";

/** Time and size limits of {@linkcode downloadBytes}. */
export interface DownloadLimits {
  /** Time for the whole download, in ms (default 60,000). */
  timeoutMs?: number;
  /** Largest answer accepted, in bytes (default 512 MiB). */
  maxBytes?: number;
}

/** A download's request and a look at its response's headers. */
export interface DownloadRequest {
  /** Method, headers and body (default: a GET). */
  init?: RequestInit;
  /** Called with the 200 response before its body is read. */
  onResponse?: (response: Response) => void;
  /** Aborts the download (e.g. when the server closes). */
  signal?: AbortSignal;
}

async function readAll(
  body: ReadableStream<Uint8Array>,
  max: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > max) throw tooLarge();
    chunks.push(chunk);
  }
  return concatBytes(chunks, total);
}

/**
 * The bytes at `url`. `what` names the thing in messages ("Cannot download
 * <what> <url>: ..."). Aborted by `request.signal`, it throws an
 * `AbortError` `DOMException`.
 */
export async function downloadBytes(
  url: string,
  what: string,
  limits: DownloadLimits = {},
  request: DownloadRequest = {},
): Promise<Uint8Array> {
  const timeoutMs = limits.timeoutMs ?? 60_000;
  const max = limits.maxBytes ?? 512 * 2 ** 20;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const fail = `Cannot download ${what} ${url}`;
  const outer = request.signal;
  const cancel = () => controller.abort();
  outer?.addEventListener("abort", cancel);
  try {
    outer?.throwIfAborted();
    const response = await fetch(url, {
      ...request.init,
      signal: controller.signal,
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(
        `${fail}: the server answered ${response.status} ${response.statusText}`,
      );
    }
    request.onResponse?.(response);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > max) {
      await response.body?.cancel();
      throw new RangeError(
        `${fail}: ${declared} bytes is above the limit of ${max}`,
      );
    }
    if (response.body === null) return new Uint8Array(0);
    return await readAll(response.body, max, () => {
      controller.abort();
      return new RangeError(`${fail}: more than the limit of ${max} bytes`);
    });
  } catch (error) {
    if (outer?.aborted) {
      throw new DOMException(`${fail}: aborted`, "AbortError");
    }
    if (controller.signal.aborted && !(error instanceof RangeError)) {
      throw new Error(
        `${fail}: no complete answer within ${timeoutMs} ms`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", cancel);
  }
}
