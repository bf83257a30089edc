/**
 * `EnsembleTrainer`: a weighted sum of the best upstream trainers' models,
 * picked and weighted by their blocked cross-validation error (see
 * `../ensemble_weights.ts`).
 *
 * The fitted model (`kind: "ensemble"`) embeds its members' model JSONs
 * and weights and predicts `Σ wᵢ · ŷᵢ`. Kepler's local estimator cannot run
 * it, so it has no Kepler weights; our `estimate` and `serve` load it like
 * any model.
 *
 * `ensembleTrainer().fit(x, y)` does the whole job on its own: it
 * cross-validates each member trainer on blocked folds of the rows, fits
 * each on every row, and weights the best by their out-of-fold
 * predictions. The training pipeline gets the same model more cheaply from
 * the members it trains anyway (lib/train/ensemble.ts: same rows, same
 * folds, same seeds, no refit).
 *
 * @module
 */
import {
  MEMBER_TRAINERS,
  type MemberTrainerName,
  UPSTREAM_TRAINERS,
} from "../../types.ts";
import { blockedFolds, crossValidate } from "../cross_validate.ts";
import {
  chooseMembers,
  ENSEMBLE_DEFAULTS,
  ENSEMBLE_WEIGHTINGS,
  type EnsembleWeighting,
} from "../ensemble_weights.ts";
import {
  type Columns,
  FitError,
  type FitOptions,
  type FittedModel,
  type ModelJson,
  type Trainer,
} from "../model.ts";
import {
  checkNumber,
  checkTrainingData,
  checkVersion,
  jsonNumbers,
} from "./_validate.ts";

/** One member of an ensemble. */
export interface EnsembleMember {
  /** The upstream trainer that fitted it. */
  trainer: MemberTrainerName;
  /** Its weight (> 0). */
  weight: number;
  /** The fitted model. */
  model: FittedModel;
}

/**
 * A fitted ensemble: the weighted sum of its members' predictions, each
 * clipped to `bounds` when it has them.
 */
export interface EnsembleModel extends FittedModel {
  /** `"ensemble"`. */
  readonly kind: "ensemble";
  /** The members, best first. */
  readonly members: readonly Readonly<EnsembleMember>[];
  /** `[lo, hi]` each member's prediction is clipped to, if any. */
  readonly bounds?: readonly [number, number];
}

/**
 * An ensemble of fitted models: `Σ wᵢ · clip(ŷᵢ, lo, hi)`.
 *
 * @param members The members (at least one, same number of features,
 *   finite positive weights).
 * @param bounds `[lo, hi]` each member's prediction is clipped to (the
 *   training labels' range, widened); none: no clipping.
 * @returns The ensemble model.
 * @throws {RangeError} when there is no member, a weight is not a finite
 *   number > 0, the members take different numbers of features, or the
 *   bounds are not finite with lo ≤ hi.
 *
 * @example
 * ```ts
 * import { ensembleModel } from "./ensemble.ts";
 * import { linearModel } from "./linear_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = linearModel({ trainer: "SGDRegressorTrainer", scale: [1], coef: [2], intercept: 0 });
 * const b = linearModel({ trainer: "SGDRegressorTrainer", scale: [1], coef: [0], intercept: 10 });
 * const m = ensembleModel([
 *   { trainer: "SGDRegressorTrainer", weight: 0.75, model: a },
 *   { trainer: "LinearRegressionTrainer", weight: 0.25, model: b },
 * ], [0, 20]);
 * assertEquals(m.predict([Float64Array.of(4)]), Float64Array.of(0.75 * 8 + 0.25 * 10));
 * // a's 2 · 50 = 100 is clipped to 20
 * assertEquals(m.predict([Float64Array.of(50)]), Float64Array.of(0.75 * 20 + 0.25 * 10));
 * ```
 */
export function ensembleModel(
  members: readonly EnsembleMember[],
  bounds?: readonly [number, number],
): EnsembleModel {
  if (members.length === 0) {
    throw new RangeError("Cannot make an ensemble of no model");
  }
  const [lo, hi] = bounds ?? [-Infinity, Infinity];
  if (
    bounds !== undefined &&
    !(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)
  ) {
    throw new RangeError(
      `Cannot make an ensemble: bounds [${lo}, ${hi}] are not finite with lo ≤ hi`,
    );
  }
  const nFeatures = members[0]!.model.nFeatures;
  for (const m of members) {
    if (!(Number.isFinite(m.weight) && m.weight > 0)) {
      throw new RangeError(
        `Cannot make an ensemble: the weight of ${m.trainer} is ${m.weight}, expected a finite number > 0`,
      );
    }
    if (m.model.nFeatures !== nFeatures) {
      throw new RangeError(
        `Cannot make an ensemble: ${m.trainer} takes ${m.model.nFeatures} features, the first member ${nFeatures}`,
      );
    }
  }
  const frozen = Object.freeze(members.map((m) => Object.freeze({ ...m })));
  const clip = (v: number) => (v < lo ? lo : v > hi ? hi : v);
  return Object.freeze({
    kind: "ensemble" as const,
    nFeatures,
    members: frozen,
    ...(bounds ? { bounds: Object.freeze([lo, hi] as const) } : {}),
    predict(x: Columns): Float64Array {
      const out = new Float64Array(x[0]?.length ?? 0);
      for (const m of frozen) {
        const p = m.model.predict(x);
        for (let i = 0; i < out.length; i++) {
          out[i] = out[i]! + m.weight * clip(p[i]!);
        }
      }
      return out;
    },
    toJSON(): ModelJson {
      return {
        kind: "ensemble",
        version: 1,
        ...(bounds ? { bounds: [lo, hi] } : {}),
        members: frozen.map((m) => ({
          trainer: m.trainer,
          weight: m.weight,
          model: m.model.toJSON(),
        })),
      };
    },
  });
}

/**
 * Loads an ensemble from its JSON, each member through `load` (the model
 * loader, passed in so that this file does not import it).
 *
 * @param json The ensemble's JSON.
 * @param load Loads one member's model JSON (`loadModel`).
 * @returns The ensemble model.
 * @throws {TypeError} when `members` is not a non-empty array of
 *   `{trainer, weight, model}`.
 * @throws {TypeError} when `bounds` is present but not two finite numbers.
 * @throws {RangeError} on an unknown version or trainer, a member that is
 *   itself an ensemble, a weight that is not > 0, or bounds with lo > hi.
 *
 * @example
 * ```ts
 * import { ensembleModel, loadEnsembleModel } from "./ensemble.ts";
 * import { linearModel, loadLinearModel } from "./linear_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = linearModel({ trainer: "SGDRegressorTrainer", scale: [1], coef: [2], intercept: 1 });
 * const m = ensembleModel([{ trainer: "SGDRegressorTrainer", weight: 0.5, model: a }]);
 * const back = loadEnsembleModel(JSON.parse(JSON.stringify(m)), loadLinearModel);
 * assertEquals(back.predict([Float64Array.of(3)]), Float64Array.of(3.5));
 * ```
 */
export function loadEnsembleModel(
  json: ModelJson,
  load: (json: ModelJson) => FittedModel,
): EnsembleModel {
  checkVersion("ensemble", json, 1);
  const raw = json.members;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new TypeError(
      "Cannot load an ensemble model: field members is not a non-empty array",
    );
  }
  const members = raw.map((m: unknown, i): EnsembleMember => {
    const o = (typeof m === "object" && m !== null ? m : {}) as Record<
      string,
      unknown
    >;
    const trainer = MEMBER_TRAINERS.find((t) => t === o.trainer);
    if (trainer === undefined) {
      throw new RangeError(
        `Cannot load an ensemble model: members[${i}].trainer is ${
          String(o.trainer)
        }, expected one of ${MEMBER_TRAINERS.join(", ")}`,
      );
    }
    const model = o.model as ModelJson | undefined;
    if (typeof o.weight !== "number" || typeof model !== "object") {
      throw new TypeError(
        `Cannot load an ensemble model: members[${i}] needs a number weight and a model object`,
      );
    }
    if (model !== null && model.kind === "ensemble") {
      throw new RangeError(
        `Cannot load an ensemble model: members[${i}] is itself an ensemble`,
      );
    }
    return { trainer, weight: o.weight, model: load(model) };
  });
  if (json.bounds === undefined) return ensembleModel(members);
  const b = jsonNumbers("ensemble", "bounds", json.bounds, 2);
  return ensembleModel(members, [b[0]!, b[1]!]);
}

/** Hyperparameters of {@linkcode ensembleTrainer}. */
export interface EnsembleParams {
  /**
   * The trainers that may be members.
   *
   * @default {undefined} the ten upstream trainers
   */
  members?: readonly MemberTrainerName[];
  /**
   * The most members (the candidates with the lowest CV MAE).
   *
   * @default {5}
   */
  size?: number;
  /**
   * How the members are weighted.
   *
   * @default {"inverse-mse"}
   */
  weighting?: EnsembleWeighting;
  /**
   * Blocked cross-validation folds the members are chosen on.
   *
   * @default {3}
   */
  folds?: number;
}

/**
 * The `EnsembleTrainer`: cross-validates each member trainer on blocked
 * folds of the rows (in time order), fits each on all the rows, and
 * weights the best by their out-of-fold predictions. Members that fail to
 * fit (or predict non-finite values) are left out; fewer than two left is a
 * `FitError`.
 *
 * @param params The candidate trainers, the size, the weighting and the
 *   folds.
 * @param makeMember Makes a member trainer by name (`makeTrainer`, passed
 *   in so that this file does not import the registry).
 * @returns The trainer.
 *
 * @example
 * ```ts
 * import { ensembleTrainer } from "./ensemble.ts";
 * import { linearRegression } from "./linear_regression.ts";
 * import { polynomialRegression } from "./polynomial_regression.ts";
 * import { ok as assert } from "node:assert/strict";
 * const n = 300;
 * const x = [Float64Array.from({ length: n }, (_, i) => (i * 37) % 100)];
 * const y = x[0]!.map((v) => 5 + 0.01 * v * v); // a parabola
 * const t = ensembleTrainer(
 *   { members: ["LinearRegressionTrainer", "PolynomialRegressionTrainer"] },
 *   (name) => name === "LinearRegressionTrainer" ? linearRegression() : polynomialRegression(),
 * );
 * const m = t.fit(x, y);
 * assert(m.members[0]!.trainer === "PolynomialRegressionTrainer"); // exact
 * assert(Math.abs(m.predict([Float64Array.of(50)])[0]! - 30) < 1e-6);
 * ```
 */
export function ensembleTrainer(
  params: EnsembleParams,
  makeMember: (name: MemberTrainerName) => Trainer,
): Trainer<EnsembleModel> {
  const who = "EnsembleTrainer";
  const names = params.members ?? UPSTREAM_TRAINERS;
  const size = params.size ?? ENSEMBLE_DEFAULTS.size;
  const weighting = params.weighting ?? ENSEMBLE_DEFAULTS.weighting;
  const k = params.folds ?? 3;
  return {
    name: who,
    params: Object.freeze({ members: names, size, weighting, folds: k }),
    fit(x: Columns, y: Float64Array, options: FitOptions = {}): EnsembleModel {
      checkNumber(who, "size", size, { min: 1, integer: true });
      if (!ENSEMBLE_WEIGHTINGS.includes(weighting)) {
        throw new RangeError(
          `Cannot fit ${who}: weighting must be one of ${
            ENSEMBLE_WEIGHTINGS.join(", ")
          }, got ${String(weighting)}`,
        );
      }
      const n = checkTrainingData(who, x, y, 2);
      const folds = blockedFolds(n, k);
      const fitOptions = {
        seed: options.seed ?? 42,
        mainFeature: options.mainFeature ?? 0,
      };
      const fitted: EnsembleMember[] = [];
      const oof: Float64Array[] = [];
      let labels: Float64Array = new Float64Array();
      for (const name of names) {
        try {
          const trainer = makeMember(name);
          const cv = crossValidate(trainer, x, y, folds, fitOptions);
          const model = trainer.fit(x, y, fitOptions);
          fitted.push({ trainer: name, weight: 1, model });
          oof.push(cv.yHat);
          labels = cv.y;
        } catch (error) {
          if (error instanceof FitError || error instanceof RangeError) {
            continue;
          }
          throw error;
        }
      }
      if (fitted.length < 2) {
        throw new FitError(
          who,
          `${fitted.length} of ${names.length} member trainers cross-validated (at least 2 needed)`,
        );
      }
      const all = Uint32Array.from({ length: labels.length }, (_, i) => i);
      const choice = chooseMembers(oof, labels, all, { size, weighting });
      return ensembleModel(
        choice.members.map((m, j) => ({
          ...fitted[m]!,
          weight: choice.weights[j]!,
        })),
        choice.bounds,
      );
    },
  };
}
