/**
 * Runs async tasks with bounded concurrency (private to lib/query).
 *
 * @module
 */

/**
 * Runs `tasks` with at most `limit` at a time and returns their results in
 * task order. After the first failure no new task starts, the shared signal
 * is aborted, running tasks are awaited, and the first error is thrown.
 */
export async function runPool<T>(
  tasks: readonly ((signal: AbortSignal) => Promise<T>)[],
  limit: number,
  outer?: AbortSignal,
): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      const index = next++;
      const task = tasks[index] as (signal: AbortSignal) => Promise<T>;
      try {
        results[index] = await task(controller.signal);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
          controller.abort(error);
        }
      }
    }
  };
  const workers = Array.from(
    { length: Math.max(1, Math.min(limit, tasks.length)) },
    worker,
  );
  try {
    await Promise.all(workers);
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
  if (failed) throw firstError;
  return results;
}
