/**
 * Test harness for a real Prometheus (the Debian `prometheus` package):
 * backfill OpenMetrics text with `promtool`, optionally scrape targets, start
 * `prometheus` on 127.0.0.1 with a free port and a fresh temp storage dir,
 * wait until it is ready, and stop it again (process killed and awaited, temp
 * dirs removed).
 *
 * ```ts ignore
 * import { requireTool, startPrometheus } from "./_prometheus.ts";
 * const tools = requireTool(["prometheus", "promtool"]);
 * Deno.test({ name: "`queryRange()` reads backfilled data", ...tools, fn: async () => {
 *   await using prom = await startPrometheus({ openMetrics: "..." });
 *   // fetch(`${prom.url}/api/v1/query_range?...`)
 * } });
 * ```
 *
 * Permissions: `--allow-run=prometheus,promtool --allow-read --allow-write
 * --allow-net=127.0.0.1 --allow-env=CI,PATH`.
 *
 * @module
 */
import { join } from "node:path";

/** Result of {@linkcode requireTool}: spread it into a `Deno.test` definition. */
export interface ToolRequirement {
  /** True when the tool is missing and the test must be skipped. */
  ignore: boolean;
  /** Why it is skipped, or "" when it is not. */
  reason: string;
}

/** Options of {@linkcode requireTool}. */
export interface RequireToolOptions {
  /** How to install the tools, shown in the message. Default: `apt-get install prometheus`. */
  install?: string;
  /** Whether missing tools fail instead of skip. Default: env `CI` is set. */
  ci?: boolean;
  /** Directories searched. Default: env `PATH`. */
  path?: string;
}

const warned = new Set<string>();

function envGet(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined; // no --allow-env: treat as unset
  }
}

/**
 * Finds an executable on PATH; returns its path or undefined.
 *
 * @example
 * ```ts
 * import { findExecutable } from "./_prometheus.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(findExecutable("sh", "/bin:/usr/bin") !== undefined, true);
 * assertEquals(findExecutable("no-such-tool-x", "/bin"), undefined);
 * ```
 */
export function findExecutable(
  name: string,
  path: string = envGet("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
): string | undefined {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Checks that external tools are installed. When one is missing and `CI` is
 * unset, the test is skipped (`ignore: true`) and a line "skipped: promtool
 * not installed; apt-get install prometheus" is printed once. When `CI` is
 * set, `ignore` stays false so the test runs and fails with the clear error
 * of {@linkcode startPrometheus}.
 *
 * @example
 * ```ts
 * import { requireTool } from "./_prometheus.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const missing = requireTool("no-such-tool-x", { ci: false, path: "/nonexistent" });
 * assertEquals(missing.ignore, true);
 * assertEquals(missing.reason, "skipped: no-such-tool-x not installed; apt-get install prometheus");
 * assertEquals(requireTool("no-such-tool-x", { ci: true, path: "/nonexistent" }).ignore, false);
 * ```
 */
export function requireTool(
  name: string | readonly string[],
  options: RequireToolOptions = {},
): ToolRequirement {
  const names = typeof name === "string" ? [name] : name;
  const missing = names.filter((n) =>
    findExecutable(n, options.path ?? undefined) === undefined
  );
  if (missing.length === 0) return { ignore: false, reason: "" };
  const install = options.install ?? "apt-get install prometheus";
  const reason = `skipped: ${missing.join(", ")} not installed; ${install}`;
  const ci = options.ci ?? (envGet("CI") ?? "") !== "";
  if (ci) return { ignore: false, reason: "" };
  if (!warned.has(reason)) {
    warned.add(reason);
    console.warn(reason);
  }
  return { ignore: true, reason };
}

/** Options of {@linkcode startPrometheus}. */
export interface StartPrometheusOptions {
  /**
   * OpenMetrics text (ending in `# EOF`, timestamps in seconds, each series
   * in ascending time) backfilled with `promtool tsdb
   * create-blocks-from openmetrics` before start. Default: none.
   */
  openMetrics?: string;
  /** Scrape targets as `host:port` (metrics at `/metrics`). Default: none. */
  scrapeTargets?: readonly string[];
  /** Scrape interval, e.g. `"1s"`. Default: `"1s"`. */
  scrapeInterval?: string;
  /** Job name of the scrape config. Default: `"kepler"`. */
  jobName?: string;
  /** `honor_labels` of the scrape config. Default: false. */
  honorLabels?: boolean;
  /** `--query.lookback-delta`. Default: Prometheus' 5m. */
  lookbackDelta?: string;
  /** `storage.tsdb.out_of_order_time_window` in the config. Default: none. */
  outOfOrderTimeWindow?: string;
  /** Extra prometheus flags. Default: none. */
  extraArgs?: readonly string[];
  /** Time to wait for `/-/ready`, in ms. Default: 30000. */
  readyTimeoutMs?: number;
}

/** A running Prometheus; `stop()` (or `await using`) ends it. */
export interface PrometheusHandle {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Its storage dir (removed by stop). */
  dataDir: string;
  /** Whether the process is still running. */
  readonly running: boolean;
  /** Its log (stderr) so far. */
  log(): string;
  /**
   * Sends SIGKILL right away (synchronously), e.g. to make it vanish in the
   * middle of a query; call `stop()` afterwards to wait and clean up.
   */
  kill(): void;
  /** Kills it, waits for exit, removes temp dirs. Idempotent. */
  stop(): Promise<void>;
  /** Same as `stop()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago.
 *
 * @example
 * ```ts
 * import { freePort } from "./_prometheus.ts";
 * import { ok as assert } from "node:assert/strict";
 * const port = freePort();
 * assert(port > 0 && port < 65536);
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function missingToolError(name: string, error: unknown): Error {
  return new Error(
    `Cannot run ${name}: it is not installed (apt-get install prometheus)`,
    { cause: error },
  );
}

/**
 * Runs `promtool tsdb create-blocks-from openmetrics` into `dataDir`; a
 * failure is an Error with promtool's message. Mind promtool's silent
 * rules: each series in ascending time, timestamps in seconds, `# EOF` last.
 *
 * @example
 * ```ts ignore
 * import { backfillOpenMetrics } from "./_prometheus.ts";
 * await backfillOpenMetrics("x_total 1 1700000000\n# EOF\n", await Deno.makeTempDir());
 * ```
 */
export async function backfillOpenMetrics(
  openMetrics: string,
  dataDir: string,
): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "kepler_om_" });
  try {
    const file = join(tmp, "data.om");
    await Deno.writeTextFile(file, openMetrics);
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command("promtool", {
        args: ["tsdb", "create-blocks-from", "openmetrics", file, dataDir],
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw missingToolError("promtool", error);
      }
      throw error;
    }
    if (!out.success) {
      const text = new TextDecoder().decode(out.stderr) +
        new TextDecoder().decode(out.stdout);
      throw new Error(
        `promtool could not backfill the OpenMetrics data (exit ${out.code}): ${text.trim()}`,
      );
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

function configYaml(options: StartPrometheusOptions): string {
  const interval = options.scrapeInterval ?? "1s";
  const lines = [
    "global:",
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    `  evaluation_interval: ${interval}`,
  ];
  if (options.outOfOrderTimeWindow !== undefined) {
    lines.push(
      "storage:",
      "  tsdb:",
      `    out_of_order_time_window: ${options.outOfOrderTimeWindow}`,
    );
  }
  const targets = options.scrapeTargets ?? [];
  if (targets.length === 0) {
    lines.push("scrape_configs: []");
  } else {
    lines.push(
      "scrape_configs:",
      `  - job_name: ${JSON.stringify(options.jobName ?? "kepler")}`,
      `    honor_labels: ${options.honorLabels ?? false}`,
      "    static_configs:",
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`,
    );
  }
  return lines.join("\n") + "\n";
}

async function drain(
  stream: ReadableStream<Uint8Array>,
  sink: string[],
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    sink.push(decoder.decode(chunk, { stream: true }));
    if (sink.length > 2000) sink.splice(0, sink.length - 1000);
  }
}

/**
 * Starts Prometheus on 127.0.0.1 with a free port and a fresh temp storage
 * dir (retention 10y, so old backfilled blocks are kept), after optionally
 * backfilling `openMetrics`. Resolves once `/-/ready` answers 200.
 *
 * @example
 * ```ts ignore
 * import { startPrometheus } from "./_prometheus.ts";
 * await using prom = await startPrometheus({ openMetrics: "m_total 1 1700000000\n# EOF\n" });
 * const r = await fetch(`${prom.url}/api/v1/label/__name__/values`);
 * console.log(await r.json());
 * ```
 */
export async function startPrometheus(
  options: StartPrometheusOptions = {},
): Promise<PrometheusHandle> {
  const root = await Deno.makeTempDir({ prefix: "kepler_prom_" });
  const dataDir = join(root, "data");
  await Deno.mkdir(dataDir);
  const cleanup = () => Deno.remove(root, { recursive: true }).catch(() => {});
  try {
    if (options.openMetrics !== undefined) {
      await backfillOpenMetrics(options.openMetrics, dataDir);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  const configFile = join(root, "prometheus.yml");
  await Deno.writeTextFile(configFile, configYaml(options));

  // A port can be taken between freePort() and the bind: retry a few times.
  for (let attempt = 0;; attempt++) {
    const port = freePort();
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=10y",
      "--web.enable-lifecycle",
      ...(options.lookbackDelta === undefined
        ? []
        : [`--query.lookback-delta=${options.lookbackDelta}`]),
      ...(options.extraArgs ?? []),
    ];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("prometheus", {
        args,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      await cleanup();
      if (error instanceof Deno.errors.NotFound) {
        throw missingToolError("prometheus", error);
      }
      throw error;
    }
    const logs: string[] = [];
    const drained = Promise.all([
      drain(child.stdout, logs),
      drain(child.stderr, logs),
    ]);
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      return s;
    });
    const url = `http://127.0.0.1:${port}`;
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        if (!exited) {
          try {
            child.kill("SIGTERM");
          } catch {
            // already gone
          }
          let timer: ReturnType<typeof setTimeout> | undefined;
          const forced = new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              try {
                child.kill("SIGKILL");
              } catch {
                // already gone
              }
              resolve();
            }, 10_000);
          });
          await Promise.race([status, forced]);
          clearTimeout(timer);
          await status;
        }
        await drained.catch(() => {});
        await cleanup();
      })();
      return stopped;
    };
    const handle: PrometheusHandle = {
      url,
      port,
      dataDir,
      get running() {
        return !exited;
      },
      log: () => logs.join(""),
      kill: () => {
        if (exited) return;
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
    const ready = await waitReady(
      url,
      () => exited,
      options.readyTimeoutMs ?? 30_000,
    );
    if (ready) return handle;
    const log = handle.log();
    if (exited && /address already in use/i.test(log) && attempt < 3) {
      await status;
      await drained.catch(() => {});
      continue;
    }
    await stop();
    throw new Error(
      `Prometheus at ${url} did not become ready (${
        exited ? "it exited" : "timeout"
      }); log tail:\n${log.slice(-2000)}`,
    );
  }
}

async function waitReady(
  url: string,
  exited: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited()) {
    try {
      const response = await fetch(`${url}/-/ready`);
      await response.body?.cancel();
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
