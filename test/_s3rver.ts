/**
 * Test harness for a local S3-compatible server: the `s3rver` CLI (npm,
 * installed globally by `.ci/run`: `npm install -g s3rver@3.7.1`), run as
 * its own process like Prometheus, so neither s3rver nor its dependencies
 * are in deno.lock (a fresh machine's `deno task demo` fetches only what it
 * runs). It listens on 127.0.0.1 with a free port and a fresh temp folder,
 * creates the buckets at start, and checks Signature V4 (access key and
 * secret `S3RVER`).
 *
 * ```ts ignore
 * import { requireS3rver, startS3rver } from "./_s3rver.ts";
 * Deno.test({ name: "...", ...requireS3rver(), fn: async () => {
 *   await using s3 = await startS3rver({ buckets: ["kepler-power-model"] });
 *   // s3.url is http://127.0.0.1:<port>
 * } });
 * ```
 *
 * Permissions: `--allow-run=s3rver --allow-read --allow-write
 * --allow-env=CI,PATH`.
 *
 * @module
 */
import { requireTool, type ToolRequirement } from "./_prometheus.ts";

/** The s3rver release the tests are written against (and `.ci/run` installs). */
export const S3RVER_VERSION = "3.7.1";

/** How to install it, for messages. */
export const S3RVER_INSTALL = `npm install -g s3rver@${S3RVER_VERSION}`;

/**
 * Skips a test (with one message) when `s3rver` is not on PATH and `CI` is
 * unset; under CI the test runs and fails with {@linkcode startS3rver}'s
 * error.
 *
 * @example
 * ```ts
 * import { requireS3rver } from "./_s3rver.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const r = requireS3rver({ ci: false, path: "/nonexistent" });
 * assertEquals(r.reason, "skipped: s3rver not installed; npm install -g s3rver@3.7.1");
 * ```
 */
export function requireS3rver(
  options: { ci?: boolean; path?: string } = {},
): ToolRequirement {
  return requireTool("s3rver", { install: S3RVER_INSTALL, ...options });
}

/** Options of {@linkcode startS3rver}. */
export interface StartS3rverOptions {
  /** Buckets created at start. Default: none. */
  buckets?: readonly string[];
  /** Data folder. Default: a fresh temp folder, removed by `stop()`. */
  directory?: string;
  /** Time to wait for it to listen, in ms. Default: 30000. */
  readyTimeoutMs?: number;
}

/** A running s3rver; `stop()` (or `await using`) ends it. */
export interface S3rverHandle {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Its data folder. */
  directory: string;
  /** Its output so far. */
  log(): string;
  /** Kills it, waits for exit, removes a temp data folder. Idempotent. */
  stop(): Promise<void>;
  /** Same as `stop()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `s3rver` on 127.0.0.1 with port 0 and reads the port it got from
 * its "S3rver listening on 127.0.0.1:<port>" line. A missing CLI is an Error
 * that says how to install it.
 *
 * @example
 * ```ts ignore
 * import { startS3rver } from "./_s3rver.ts";
 * await using s3 = await startS3rver({ buckets: ["b"] });
 * console.log(s3.url);
 * ```
 */
export async function startS3rver(
  options: StartS3rverOptions = {},
): Promise<S3rverHandle> {
  const owned = options.directory === undefined;
  const directory = options.directory ??
    await Deno.makeTempDir({ prefix: "kepler_s3rver_" });
  const removeDir = () =>
    owned
      ? Deno.remove(directory, { recursive: true }).catch(() => {})
      : Promise.resolve();
  const args = ["--directory", directory, "--address", "127.0.0.1"];
  args.push("--port", "0", "--silent");
  // --configure-bucket takes a name and optional config files: one flag each.
  for (const bucket of options.buckets ?? []) {
    args.push("--configure-bucket", bucket);
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("s3rver", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    await removeDir();
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot run s3rver: it is not installed (${S3RVER_INSTALL})`,
        { cause: error },
      );
    }
    throw error;
  }
  const logs: string[] = [];
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let onLine: (() => void) | undefined;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      logs.push(decoder.decode(chunk, { stream: true }));
      onLine?.();
    }
  };
  const drained = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // already gone
          }
        }, 10_000);
        await status;
        clearTimeout(timer);
      }
      await drained.catch(() => {});
      await removeDir();
    })();
    return stopped;
  };
  const port = await new Promise<number | undefined>((resolve) => {
    const timeout = setTimeout(
      () => resolve(undefined),
      options.readyTimeoutMs ?? 30_000,
    );
    const check = () => {
      const m = /S3rver listening on [^\s:]+:(\d+)/.exec(logs.join(""));
      if (m !== null || exited) {
        clearTimeout(timeout);
        resolve(m === null ? undefined : Number(m[1]));
      }
    };
    onLine = check;
    status.then(check);
    check();
  });
  onLine = undefined;
  if (port === undefined) {
    await stop();
    throw new Error(
      `s3rver did not start (${
        exited ? "it exited" : "no listening line in time"
      }): ${logs.join("").trim()}`,
    );
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    directory,
    log: () => logs.join(""),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
