/**
 * The commands of `kepler-model`, in the order `--help` lists them. Only
 * commands that exist are listed; each later stage adds its line.
 *
 * @module
 */
import type { CommandDefinition } from "../command.ts";
import { demo } from "./demo.ts";

/** Every command. */
export const COMMANDS: readonly CommandDefinition[] = [
  demo,
];
