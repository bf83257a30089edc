/**
 * Noticing changed pipelines under MODEL_PATH without a restart, with read
 * permission only: `Deno.watchFs` (inotify and the like), or polling file
 * times where watching is not possible (network file systems, watch
 * limits). Changes are reported per pipeline folder after a quiet period,
 * so a training run that writes hundreds of files causes one reload.
 *
 * @module
 */
import { relative, sep } from "node:path";
import { pipelineSignature } from "../pipeline/pipeline_signature.ts";

/** How changes are noticed. */
export type ReloadMode = "watch" | "poll" | "off";

/** The reload modes. */
export const RELOAD_MODES: readonly ReloadMode[] = ["watch", "poll", "off"];

/** Options of {@linkcode watchModelPath}. */
export interface WatchModelPathOptions {
  /** `"watch"` (file events), `"poll"` or `"off"`. Default: `"watch"`. */
  mode?: ReloadMode;
  /** Quiet time before changes are reported, in ms. Default: 300. */
  debounceMs?: number;
  /** Poll period, in ms (mode `"poll"`). Default: 2,000. */
  pollIntervalMs?: number;
  /** Receives log lines. Default: none. */
  log?: (line: string) => void;
}

/** A running watcher. */
export interface ModelPathWatcher {
  /** The mode in effect (`"poll"` when watching was not possible). */
  readonly mode: ReloadMode;
  /**
   * Settles once changes are being noticed (polling: after the first scan,
   * the baseline). Load pipelines after it, so no change falls between the
   * load and the baseline.
   */
  readonly ready: Promise<void>;
  /** Stops watching. */
  close(): Promise<void>;
}

export { pipelineSignature } from "../pipeline/pipeline_signature.ts";

async function pipelineFolders(modelPath: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(modelPath)) {
      if ((e.isDirectory || e.isSymlink) && !e.name.startsWith(".")) {
        out.push(e.name);
      }
    }
  } catch { /* missing: none */ }
  return out.sort();
}

/**
 * Watches MODEL_PATH and calls `onChange` with the names of the top-level
 * folders (pipelines) that changed, were added or were removed.
 *
 * @example
 * ```ts
 * import { watchModelPath } from "./watch_model_path.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const seen = Promise.withResolvers<string[]>();
 * const watcher = watchModelPath(dir, (names) => seen.resolve(names), { mode: "poll", pollIntervalMs: 50 });
 * await watcher.ready; // the baseline is taken: what follows is a change
 * await Deno.mkdir(`${dir}/p`);
 * await Deno.writeTextFile(`${dir}/p/metadata.json`, "{}");
 * assertEquals(await seen.promise, ["p"]);
 * await watcher.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function watchModelPath(
  modelPath: string,
  onChange: (pipelines: string[]) => void,
  options: WatchModelPathOptions = {},
): ModelPathWatcher {
  const changes = debouncer(onChange, options.debounceMs ?? 300);
  if ((options.mode ?? "watch") === "watch") {
    try {
      const fsWatcher = Deno.watchFs(modelPath, { recursive: true });
      return watchEvents(modelPath, fsWatcher, changes, options);
    } catch (error) {
      options.log?.(
        `cannot watch ${modelPath} (${
          (error as Error).message
        }); polling instead`,
      );
      return pollFolders(modelPath, changes, options);
    }
  }
  if (options.mode === "poll") return pollFolders(modelPath, changes, options);
  return idle(options.mode ?? "off", changes);
}

/** Changed pipeline names collected over a quiet period, then reported. */
interface Debouncer {
  /** Notes a changed pipeline; reported after `debounceMs` of quiet. */
  mark(name: string): void;
  /** Stops reporting. */
  close(): void;
  /** Whether `close()` was called. */
  readonly closed: boolean;
}

function debouncer(
  onChange: (pipelines: string[]) => void,
  debounceMs: number,
): Debouncer {
  let closed = false;
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    if (closed || pending.size === 0) return;
    const names = [...pending].sort();
    pending.clear();
    onChange(names);
  };
  return {
    mark(name) {
      pending.add(name);
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(flush, debounceMs);
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
    get closed() {
      return closed;
    },
  };
}

/** A watcher that reports nothing (`reload: "off"`). */
function idle(mode: ReloadMode, changes: Debouncer): ModelPathWatcher {
  return {
    mode,
    ready: Promise.resolve(),
    close() {
      changes.close();
      return Promise.resolve();
    },
  };
}

/** Reports the pipeline folders `Deno.watchFs` events touch. */
function watchEvents(
  modelPath: string,
  w: Deno.FsWatcher,
  changes: Debouncer,
  options: WatchModelPathOptions,
): ModelPathWatcher {
  const loop = (async () => {
    try {
      for await (const event of w) {
        for (const path of event.paths) {
          const rel = relative(modelPath, path);
          const name = rel.split(sep)[0];
          if (name && !rel.startsWith("..") && !name.startsWith(".")) {
            changes.mark(name);
          }
        }
      }
    } catch (error) {
      if (!changes.closed) {
        options.log?.(
          `watching ${modelPath} stopped: ${(error as Error).message}`,
        );
      }
    }
  })();
  return {
    mode: "watch",
    ready: Promise.resolve(),
    async close() {
      changes.close();
      try {
        w.close();
      } catch { /* already closed */ }
      await loop;
    },
  };
}

/** One poll: marks the pipelines whose signature changed since `previous`. */
async function pollOnce(
  modelPath: string,
  previous: Map<string, string> | undefined,
  changes: Debouncer,
): Promise<Map<string, string>> {
  const now = new Map<string, string>();
  for (const name of await pipelineFolders(modelPath)) {
    now.set(name, await pipelineSignature(modelPath, name));
  }
  if (previous !== undefined) {
    const changed = new Set<string>();
    for (const [k, v] of now) if (previous.get(k) !== v) changed.add(k);
    for (const k of previous.keys()) if (!now.has(k)) changed.add(k);
    for (const k of changed) changes.mark(k);
  }
  return now;
}

/** Reports the pipeline folders whose file times change between polls. */
function pollFolders(
  modelPath: string,
  changes: Debouncer,
  options: WatchModelPathOptions,
): ModelPathWatcher {
  const interval = options.pollIntervalMs ?? 2000;
  let previous: Map<string, string> | undefined;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const baseline = Promise.withResolvers<void>();
  const loop = (async () => {
    while (!changes.closed) {
      try {
        previous = await pollOnce(modelPath, previous, changes);
      } catch (error) {
        options.log?.(
          `polling ${modelPath} failed: ${(error as Error).message}`,
        );
      }
      baseline.resolve();
      if (changes.closed) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        pollTimer = setTimeout(resolve, interval);
      });
    }
  })();
  return {
    mode: "poll",
    ready: baseline.promise,
    async close() {
      changes.close();
      if (pollTimer !== undefined) clearTimeout(pollTimer);
      wake?.();
      await loop;
    },
  };
}
