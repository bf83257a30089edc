/**
 * The option checks `simulate()` and `simulateVmHost()` share: the time
 * grid and what the node emits. Each caller passes its own `check`, so the
 * message names the function that refused the option.
 *
 * @module
 */
import { SIMULATED_SOURCES } from "./_engine.ts";
import { defaultStartTime } from "./simulate.ts";

/** Throws a `RangeError` with the caller's prefix when `ok` is false. */
export type Check = (ok: boolean, message: string) => void;

/** The time grid of the options, validated: duration, step and start. */
export function resolveGrid(
  options: { duration?: number; step?: number; start?: number },
  check: Check,
): { duration: number; step: number; start: number } {
  const duration = options.duration ?? 3600;
  const step = options.step ?? 3;
  check(
    Number.isFinite(step) && step > 0,
    `step must be a number of seconds > 0, got ${step}`,
  );
  check(
    Number.isFinite(duration) && duration >= 2 * step,
    `duration must be at least two steps (${2 * step} s), got ${duration}`,
  );
  const start = options.start ?? defaultStartTime(duration, { step });
  check(
    Number.isFinite(start) && start >= 0,
    `start must be a unix time in seconds, got ${start}`,
  );
  return { duration, step, start };
}

/** The energy sources and noise of the options, validated. */
export function resolveSourcesNoise(
  options: { sources?: readonly string[]; noise?: number },
  check: Check,
): { sources: (typeof SIMULATED_SOURCES)[number][]; noise: number } {
  const sources = [...new Set(options.sources ?? SIMULATED_SOURCES)];
  check(
    sources.length > 0 &&
      sources.every((s) =>
        (SIMULATED_SOURCES as readonly string[]).includes(s)
      ),
    `sources must be a non-empty list of ${
      SIMULATED_SOURCES.join(", ")
    }, got [${sources.join(", ")}]`,
  );
  const noise = options.noise ?? 2;
  check(
    Number.isFinite(noise) && noise >= 0,
    `noise must be a number of watts ≥ 0, got ${noise}`,
  );
  return {
    sources: sources as (typeof SIMULATED_SOURCES)[number][],
    noise,
  };
}
