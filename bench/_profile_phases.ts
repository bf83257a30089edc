/**
 * Cuts a V8 CPU profile (`deno run --cpu-prof`) of `train` into phases:
 * each sample goes to the innermost frame of its stack that names a phase
 * (a trainer's file, the zip writer, file writes, reading, extraction,
 * isolation, ...); numeric kernels name none, so their samples go to the
 * trainer that called them. Private to bench/.
 *
 * @module
 */

/** A phase and the seconds of samples it got. */
export interface Phase {
  /** What the phase is. */
  name: string;
  /** Seconds of samples. */
  seconds: number;
}

interface CallFrame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The phase of samples taken while the thread waited (on I/O, workers). */
export const IDLE = "idle (waiting on I/O)";

/** [phase, test on a frame], first match wins for a frame. */
const RULES: [string, (f: CallFrame) => boolean][] = [
  ["XgboostFit (fit, errors, JSON)", (f) => f.url.endsWith("/xgboost_fit.ts")],
  [
    "GradientBoosting (fit, errors, JSON)",
    (f) => f.url.endsWith("/gradient_boosting.ts"),
  ],
  ["SVR (fit, errors, JSON)", (f) => f.url.endsWith("/svr_regressor.ts")],
  [
    "KNeighbors (fit, errors, JSON)",
    (f) => f.url.endsWith("/k_neighbors_regressor.ts"),
  ],
  ["SGD (fit, errors, JSON)", (f) => f.url.endsWith("/sgd_regressor.ts")],
  [
    "curve fits: logarithmic, logistic, exponential, saturating (Levenberg–Marquardt)",
    (f) => /\/(curve_fit|saturating_regression)\.ts$/.test(f.url),
  ],
  [
    "Linear and Polynomial (fit, errors, JSON)",
    (f) =>
      /\/(linear_regression|polynomial_regression|linear_model)\.ts$/.test(
        f.url,
      ),
  ],
  [
    "zip archives (deflate: model zips and the pipeline zip)",
    (f) => /zlib|_zip_writer\.ts$|\/io\/zip\.ts$|fflate/.test(f.url),
  ],
  [
    "writing files (JSON, CSV; temp file, lock, rename)",
    (f) => /\/io\/|frame_csv\.ts$|ext:deno_fs|ext:deno_io/.test(f.url),
  ],
  [
    "reading the query JSON",
    (f) => /_json_scan\.ts$|read_query\.ts$/.test(f.url),
  ],
  ["extraction", (f) => f.url.includes("/lib/extract/")],
  ["isolation", (f) => f.url.includes("/lib/isolate/")],
  [
    "job hand-off (frames and results serialised)",
    (f) => /\/train\/(_pool|_train_job)\.ts$/.test(f.url),
  ],
  [
    "split, scaling, metrics, intervals",
    (f) =>
      /\/train\/(train_model|metrics|split|interval|scaler)\.ts$/.test(f.url),
  ],
  [
    "pipeline metadata, summaries, generations",
    (f) =>
      f.url.includes("/lib/pipeline/") ||
      /\/train\/(pipeline|_train_run|train_report)\.ts$/.test(f.url),
  ],
  ["garbage collection", (f) => f.functionName === "(garbage collector)"],
  [IDLE, (f) => f.functionName === "(idle)"],
];

const OTHER = "other (module loading, runtime, unattributed)";

/**
 * The seconds of samples per phase, largest first.
 *
 * @param profile A parsed `.cpuprofile`.
 * @returns The phases with at least one sample.
 */
export function phaseTable(profile: CpuProfile): Phase[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const phaseOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = phaseOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const own = node === undefined
      ? undefined
      : RULES.find(([, test]) => test(node.callFrame))?.[0];
    const up = parent.get(id);
    const phase = own ?? (up === undefined ? OTHER : resolve(up));
    phaseOf.set(id, phase);
    return phase;
  };
  const seconds = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const phase = resolve(id);
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1e6;
    seconds.set(phase, (seconds.get(phase) ?? 0) + dt);
  });
  return [...seconds].map(([name, s]) => ({ name, seconds: s }))
    .sort((a, b) => b.seconds - a.seconds);
}
