/**
 * Uploads a push plan to a bucket.
 *
 * @module
 */
import { extname } from "node:path";
import { readBinaryFile } from "../io/read.ts";
import type { ObjectStore } from "./object_store.ts";
import type { PushItem } from "./push_plan.ts";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".json": "application/json",
  ".zip": "application/zip",
  ".csv": "text/csv",
  ".md": "text/markdown",
  ".png": "image/png",
  ".html": "text/html",
};

/**
 * The content type of a file name, by extension.
 *
 * @example
 * ```ts
 * import { contentTypeOf } from "./s3_push.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(contentTypeOf("models/p.zip"), "application/zip");
 * assertEquals(contentTypeOf("x.pkl"), "application/octet-stream");
 * ```
 */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ??
    "application/octet-stream";
}

/** Options of {@linkcode s3Push}. */
export interface S3PushOptions {
  /** Uploads in flight. Default: 4. */
  concurrency?: number;
  /** Called after each upload. Default: none. */
  onObject?: (item: PushItem, bytes: number) => void;
}

/** What {@linkcode s3Push} uploaded. */
export interface S3PushResult {
  /** Objects uploaded. */
  objects: number;
  /** Bytes uploaded. */
  bytes: number;
}

/**
 * Uploads every item (a few at a time). The first failure stops the push
 * and is thrown; objects already uploaded stay.
 *
 * @example
 * ```ts
 * import { s3Push } from "./s3_push.ts";
 * import type { ObjectStore } from "./object_store.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/idle.json`, "{}");
 * const put: string[] = [];
 * const store: ObjectStore = {
 *   bucket: "b", location: "memory",
 *   putObject: (key, body, type) => { put.push(`${key} ${body.length} ${type}`); return Promise.resolve(); },
 *   getObject: () => Promise.reject(new Error("unused")),
 *   listKeys: () => Promise.resolve([]),
 *   close: () => {},
 * };
 * const result = await s3Push(store, [{ key: "m1/data/idle.json", path: `${dir}/idle.json` }]);
 * assertEquals(result, { objects: 1, bytes: 2 });
 * assertEquals(put, ["m1/data/idle.json 2 application/json"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function s3Push(
  store: ObjectStore,
  items: readonly PushItem[],
  options: S3PushOptions = {},
): Promise<S3PushResult> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  let bytes = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        const body = await readBinaryFile(item.path);
        await store.putObject(item.key, body, contentTypeOf(item.key));
        bytes += body.byteLength;
        options.onObject?.(item, body.byteLength);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from(
    { length: Math.min(concurrency, items.length) },
    () => worker(),
  );
  const results = await Promise.allSettled(workers);
  const rejected = results.find((r): r is PromiseRejectedResult =>
    r.status === "rejected"
  );
  if (rejected !== undefined) throw rejected.reason;
  return { objects: items.length, bytes };
}
