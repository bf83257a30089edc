/**
 * `demo`: runs the whole pipeline on the embedded default (simulated Kepler
 * data) as far as the stages exist, and prints where everything is.
 *
 * @module
 */
import type { CommandDefinition } from "../command.ts";
import { FEATURE_GROUPS, TRAINERS } from "../../lib/types.ts";

/** The `demo` command. */
export const demo: CommandDefinition = {
  name: "demo",
  summary: "run the pipeline on simulated Kepler data (no cluster needed)",
  define(command) {
    command.option("-o, --output <dir>", "output folder", "demo_output");
  },
  run(_options, context) {
    context.out(
      `kepler-model knows ${FEATURE_GROUPS.length} feature groups and ${TRAINERS.length} trainers.`,
    );
    return Promise.resolve();
  },
};
