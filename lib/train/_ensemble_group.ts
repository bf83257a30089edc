/**
 * A group's EnsembleTrainer in the training pipeline: the member jobs'
 * results (with their out-of-fold and held-out predictions) are collected
 * as they finish, and the ensemble is built when the last one is in — no
 * refit, the members' models and predictions are reused. Private to
 * lib/train.
 *
 * @module
 */
import { ensembleOf } from "./ensemble.ts";
import type { EnsembleChoiceOptions } from "./ensemble_weights.ts";
import { type SerializedTrained, trainedFromSerialized } from "./_train_job.ts";
import type { TrainedModel } from "./train_model.ts";
import { TRAINERS } from "../types.ts";

/** The member results of one group, until its last member job ends. */
export interface EnsembleGroup {
  /** Member jobs still running. */
  pending: number;
  /** The results in so far (failed members leave none). */
  members: SerializedTrained[];
}

/**
 * Records the end of a member job of the group.
 *
 * @returns The members' results (in trainer order) when this was the last
 *   job, else undefined.
 */
export function memberDone(
  group: EnsembleGroup,
  result: SerializedTrained | undefined,
): SerializedTrained[] | undefined {
  if (result !== undefined) group.members.push(result);
  if (--group.pending > 0) return undefined;
  // in trainer order, not the order the pool's threads finished them in
  const members = group.members.sort((a, b) =>
    TRAINERS.indexOf(a.trainer) - TRAINERS.indexOf(b.trainer)
  );
  group.members = []; // the predictions are not needed any more
  return members;
}

/**
 * The ensemble of a group's member results (their models loaded, since the
 * ensemble predicts through them).
 *
 * @throws {RangeError} when fewer than two members cross-validated.
 */
export function groupEnsemble(
  members: readonly SerializedTrained[],
  options: EnsembleChoiceOptions,
): TrainedModel {
  return ensembleOf(
    members.map((m) => trainedFromSerialized(m, true)),
    options,
  );
}
