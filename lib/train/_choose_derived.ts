/**
 * `--derived-features auto`'s choice (private to lib/train): a model
 * trained without and with derived features, kept by its blocked-CV MAE.
 *
 * @module
 */
import type { DerivedFeature } from "./derived_features.ts";
import { FitError } from "./model.ts";
import type { TrainedModel } from "./train_model_types.ts";

/**
 * The least relative gain in blocked-CV MAE that keeps derived features:
 * 1 %, so that a difference of rounding (or of a fold's luck) keeps the
 * simpler model.
 */
export const DERIVED_MIN_GAIN = 0.01;

/**
 * Trains the model without derived features and, when some apply, with
 * them, and keeps the variant whose blocked-CV MAE is lower by at least
 * {@linkcode DERIVED_MIN_GAIN} (without, otherwise, when CV did not run or
 * when the derived fit failed). The chosen
 * model's metadata records `derived_features` (the chosen ones, `[]` for
 * none), `derived_features_tried`, `cv_mae_without_derived` and
 * `cv_mae_with_derived`.
 *
 * @param tried The derived features that apply.
 * @param train Trains the model with the given derived features.
 * @returns The chosen model.
 */
export function chooseDerived(
  tried: readonly DerivedFeature[],
  train: (derived: readonly DerivedFeature[]) => TrainedModel,
): TrainedModel {
  const plain = train([]);
  if (tried.length === 0) return plain;
  let derived: TrainedModel | undefined;
  try {
    derived = train(tried);
  } catch (error) {
    if (!(error instanceof FitError || error instanceof RangeError)) {
      throw error;
    }
    plain.notes.push(
      `${plain.trainer} with derived features ${tried.join(", ")}: ${
        (error as Error).message
      }`,
    );
  }
  const without = plain.metadata.cv_mae;
  const withDerived = derived?.metadata.cv_mae;
  const better = derived !== undefined && typeof without === "number" &&
    typeof withDerived === "number" &&
    withDerived < without * (1 - DERIVED_MIN_GAIN);
  const chosen = better ? derived! : plain;
  const facts: Record<string, unknown> = {
    derived_features: better ? [...tried] : [],
    derived_features_tried: [...tried],
  };
  if (typeof without === "number") facts.cv_mae_without_derived = without;
  if (typeof withDerived === "number") {
    facts.cv_mae_with_derived = withDerived;
  }
  Object.assign(chosen.metadata, facts);
  return chosen;
}
