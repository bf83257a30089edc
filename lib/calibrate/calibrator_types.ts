/**
 * What a {@linkcode Calibrator} takes and reports: its options, the lines
 * of its decision log and what one cycle did.
 *
 * @module
 */
import type { QueryResult } from "../query/format.ts";
import type {
  EnergySource,
  ErrorKey,
  FeatureGroup,
  TrainerName,
} from "../types.ts";
import type { MaxError } from "./max_error.ts";
import type { WindowReservoirOptions } from "./window_reservoir.ts";
import type { CalibrateMetrics } from "./calibrate_metrics.ts";

/** Trainers of a candidate by default: they fit the saturating power curves. */
export const DEFAULT_TRAINERS: readonly TrainerName[] = [
  "GradientBoostingRegressorTrainer",
];

/** One line of the decision log. */
export interface Decision {
  /** Unix time of the cycle's window end. */
  time: number;
  /** The cycle number. */
  cycle: number;
  /** Node type label (`new` before onboarding). */
  node_type: string;
  /**
   * `skip` (cycle skipped), `wait` (error high but too few rows yet;
   * logged once per rise), `retrain` / `onboard` (a candidate is trained),
   * `publish`, `reject`.
   */
  action: "skip" | "wait" | "retrain" | "onboard" | "publish" | "reject";
  /** Why, in words. */
  reason: string;
  /** Median error per `source/component` that triggered it. */
  errors?: Record<string, number>;
  /** The current model's error on the holdout rows. */
  current?: number;
  /** The candidate's error on the holdout rows. */
  candidate?: number;
  /** Rows trained on. */
  train_rows?: number;
  /** Holdout rows validated on. */
  holdout_rows?: number;
  /** The model published (pipeline/model). */
  model?: string;
  /** The validation report written (onboarding). */
  report?: string;
}

/** Options of `Calibrator`. */
export interface CalibratorOptions {
  /** MODEL_PATH: where the served pipeline is read and published. */
  modelPath: string;
  /** Folder for staging candidates and validation reports. */
  stateDir: string;
  /**
   * Reads the Kepler metrics named over `[start, end]` (unix seconds) from
   * Prometheus (the CLI: `queryMetrics`).
   */
  fetchWindow(
    metrics: readonly string[],
    start: number,
    end: number,
  ): Promise<QueryResult>;
  /**
   * Asks the model server whether it answers (the CLI, with
   * `--model-server`: its `/best-models?detail=true` for the pipeline);
   * throws when it does not. A cycle it fails is skipped, logged (`skip`)
   * and counted (`skipped_cycles{reason="model_server"}`): calibrate
   * measures the model serve hands out, and a server that is down hands
   * out none. Calibrate resumes with the next cycle it answers.
   *
   * @default {undefined} not asked: the pipeline in MODEL_PATH is measured
   */
  checkModelServer?: () => Promise<unknown>;
  /**
   * The pipeline calibrated (and served for these nodes).
   *
   * @default {"calibrated"}
   */
  pipelineName?: string;
  /**
   * Metered energy sources.
   *
   * @default {["rapl-sysfs", "acpi"]}
   */
  sources?: readonly EnergySource[];
  /**
   * Feature group of the models.
   *
   * @default {"Basic"}
   */
  featureGroup?: FeatureGroup;
  /**
   * Trainers of a candidate.
   *
   * @default {["GradientBoostingRegressorTrainer"]}
   */
  trainers?: readonly TrainerName[];
  /**
   * Seconds between cycles (each reads the last period).
   *
   * @default {60}
   */
  period?: number;
  /**
   * Cycles whose median error is compared with the bound.
   *
   * @default {5}
   */
  window?: number;
  /**
   * The error bound.
   *
   * @default {{ kind: "watts", value: 2 }}
   */
  maxError?: MaxError;
  /**
   * Fewest rows a candidate trains on (its holdout not counted).
   *
   * @default {30}
   */
  minTrainRows?: number;
  /**
   * Share of the newest rows held out to validate a candidate.
   *
   * @default {0.25}
   */
  holdoutFraction?: number;
  /**
   * How many windows the reservoir of each node type keeps.
   *
   * @default {{ recent: 60, past: 60 }}
   */
  reservoir?: WindowReservoirOptions;
  /**
   * ERROR_KEY ranking the models (as serve's).
   *
   * @default {"mae"}
   */
  errorKey?: ErrorKey;
  /**
   * Query step, seconds (the window starts one step early, so its first
   * interval has a rate).
   *
   * @default {3}
   */
  step?: number;
  /**
   * Receives each decision.
   *
   * @default {undefined} none
   */
  onDecision?: (decision: Decision) => void;
  /**
   * Where the counters go.
   *
   * @default {undefined} a new {@linkcode CalibrateMetrics}
   */
  metrics?: CalibrateMetrics;
  /**
   * Runs inside a publish, after the copy and before the swap (fault
   * tests).
   *
   * @default {undefined} none
   */
  beforeSwap?: () => Promise<void>;
}

/** What one cycle did. */
export interface CycleReport {
  /** The cycle number. */
  cycle: number;
  /** Why it was skipped, if it was. */
  skipped?: string;
  /** Metered nodes seen. */
  nodes: number;
  /** Last error per `nodeType/source/component`. */
  errors: Record<string, number>;
  /** The decisions taken. */
  decisions: Decision[];
}
