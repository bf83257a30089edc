/**
 * The commands of `kepler-model`, in the order `--help` lists them. Only
 * commands that exist are listed; each later stage adds its line.
 *
 * @module
 */
import type { CommandDefinition } from "../command.ts";
import { demo } from "./demo.ts";
import { query } from "./query.ts";
import { simulate } from "./simulate.ts";
import { validate } from "./validate.ts";
import { extract } from "./extract.ts";
import { isolate } from "./isolate.ts";
import { isolateFromData } from "./isolate_from_data.ts";
import { profile } from "./profile.ts";
import { train } from "./train.ts";
import { plot } from "./plot.ts";
import { serve } from "./serve.ts";
import { s3PushCommand } from "./s3_push.ts";
import { s3LoadCommand } from "./s3_load.ts";
import { trainFromData } from "./train_from_data.ts";
import { exportCommand } from "./export.ts";
import { estimateCommand } from "./estimate.ts";
import { calibrate } from "./calibrate.ts";

/** Every command. */
export const COMMANDS: readonly CommandDefinition[] = [
  demo,
  query,
  simulate,
  validate,
  extract,
  isolate,
  isolateFromData,
  profile,
  train,
  trainFromData,
  plot,
  estimateCommand,
  exportCommand,
  s3PushCommand,
  s3LoadCommand,
  serve,
  calibrate,
];
