/**
 * The commands of `kepler-model`, in the order `--help` lists them: each
 * one's name, other spellings and one-line summary, and how to load it.
 *
 * A command's module (its options and what it runs, with everything of
 * `lib/` it reaches) is imported only when that command runs: `train`
 * loads the training code and not the model server, the S3 client or the
 * plots. Loading every command took 0.45 s of CPU before any work began,
 * against 0.30 s for `train`'s alone (`/usr/bin/time`, median of 3); a
 * 10 min `acpi` training takes about 3 s of CPU in all. `--help` lists the
 * commands from this table without loading any.
 *
 * @module
 */
import type { CommandDefinition } from "../command.ts";

/** What `--help` says of a command, before its module is loaded. */
export interface CommandAbout {
  /** The command name, as upstream's function name (e.g. `isolate_from_data`). */
  readonly name: string;
  /** Other spellings (e.g. `isolate-from-data`). */
  readonly aliases?: readonly string[];
  /** One line for `--help`. */
  readonly summary: string;
}

/** A registered command: what `--help` says of it, and its module. */
export interface CommandEntry extends CommandAbout {
  /** Imports the command's module; resolves to its definition. */
  load(): Promise<CommandDefinition>;
}

/** Every command, in `--help` order. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "demo",
    summary: "run the pipeline on simulated Kepler data (no cluster needed)",
    load: async () => (await import("./demo.ts")).demo,
  },
  {
    name: "query",
    summary: "query Kepler metrics from Prometheus into a query JSON",
    load: async () => (await import("./query.ts")).query,
  },
  {
    name: "simulate",
    summary:
      "write synthetic Kepler data with a known ground truth (or serve it live)",
    load: async () => (await import("./simulate.ts")).simulate,
  },
  {
    name: "validate",
    summary: "check how much usable data a query JSON holds",
    load: async () => (await import("./validate.ts")).validate,
  },
  {
    name: "extract",
    summary: "extract per-second features and power labels from a query JSON",
    load: async () => (await import("./extract.ts")).extract,
  },
  {
    name: "isolate",
    summary:
      "extract per container and remove background power (DynPower data)",
    load: async () => (await import("./isolate.ts")).isolate,
  },
  {
    name: "isolate_from_data",
    aliases: ["isolate-from-data"],
    summary: "remove background power from an extracted CSV (DynPower data)",
    load: async () => (await import("./isolate_from_data.ts")).isolateFromData,
  },
  {
    name: "profile",
    summary: "write idle power profiles of an idle query into a pipeline",
    load: async () => (await import("./profile.ts")).profile,
  },
  {
    name: "train",
    summary:
      "extract, isolate and train AbsPower and DynPower models into a pipeline",
    load: async () => (await import("./train.ts")).train,
  },
  {
    name: "train_from_data",
    aliases: ["train-from-data"],
    summary: "train models from a preprocessed CSV (upstream's columns)",
    load: async () => (await import("./train_from_data.ts")).trainFromData,
  },
  {
    name: "plot",
    summary:
      "plot preprocessed data, estimates, errors, model metadata or power curves as offline HTML",
    load: async () => (await import("./plot.ts")).plot,
  },
  {
    name: "estimate",
    summary:
      "estimate power from a query with trained models or weight files; the best has the lowest error recorded at training (ERROR_KEY): the blocked cross-validation figure (cv_mae), else the holdout one",
    load: async () => (await import("./estimate.ts")).estimateCommand,
  },
  {
    name: "export",
    summary:
      "publish a pipeline's models that pass the thresholds in kepler-model-db's layout",
    load: async () => (await import("./export.ts")).exportCommand,
  },
  {
    name: "s3-push",
    summary: "push collected data, pipelines and an export to an S3 bucket",
    load: async () => (await import("./s3_push.ts")).s3PushCommand,
  },
  {
    name: "s3-load",
    summary: "load a machine's data and a pipeline from an S3 bucket",
    load: async () => (await import("./s3_load.ts")).s3LoadCommand,
  },
  {
    name: "serve",
    aliases: ["model-server"],
    summary:
      "serve models to Kepler (POST /model, /best-models, /estimate) and the estimator socket",
    load: async () => (await import("./serve.ts")).serve,
  },
  {
    name: "estimator",
    summary:
      "Kepler's estimator sidecar (upstream's estimator): serve with the socket /tmp/estimator.sock and a free loopback HTTP port",
    load: async () => (await import("./serve.ts")).estimator,
  },
  {
    name: "offline-trainer",
    aliases: ["offline_trainer"],
    summary:
      "upstream's offline trainer: POST /train with Prometheus responses answers the trained pipeline's zip",
    load: async () => (await import("./offline_trainer.ts")).offlineTrainer,
  },
  {
    name: "calibrate",
    summary:
      "keep served models right: measure their error against the meters, retrain and publish when it grows",
    load: async () => (await import("./calibrate.ts")).calibrate,
  },
];

/**
 * A command's name, other spellings and summary, for its module's
 * definition (one place says them).
 *
 * @example
 * ```ts
 * import { about } from "./registry.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(about("serve").aliases, ["model-server"]);
 * ```
 */
export function about(name: string): CommandAbout {
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) throw new RangeError(`no command ${name}`);
  return {
    name: entry.name,
    ...(entry.aliases === undefined ? {} : { aliases: entry.aliases }),
    summary: entry.summary,
  };
}

/**
 * The commands a command line may run: each whose name or other spelling
 * is one of the arguments (commander runs the first such word; an option's
 * value that happens to spell a command only loads one more module).
 *
 * @example
 * ```ts
 * import { commandsNamedIn } from "./registry.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(commandsNamedIn(["train", "-i", "q"]).map((c) => c.name), ["train"]);
 * assertEquals(commandsNamedIn(["help", "model-server"]).map((c) => c.name), ["serve"]);
 * assertEquals(commandsNamedIn(["--help"]), []);
 * ```
 */
export function commandsNamedIn(
  args: readonly string[],
): CommandEntry[] {
  const words = new Set(args);
  return COMMANDS.filter((c) =>
    words.has(c.name) || (c.aliases ?? []).some((a) => words.has(a))
  );
}
