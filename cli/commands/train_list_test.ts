import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { parseTrainerList } from "./train.ts";
import { UPSTREAM_TRAINERS } from "../../lib/types.ts";

Deno.test("trainer lists: `default` is upstream's ten and SaturatingRegressionTrainer, `upstream` the ten alone, repeats once", () => {
  assertEquals(parseTrainerList("default"), [
    ...UPSTREAM_TRAINERS,
    "SaturatingRegressionTrainer",
  ]);
  assertEquals(parseTrainerList("upstream"), [...UPSTREAM_TRAINERS]);
  assertEquals(parseTrainerList("upstream,EnsembleTrainer"), [
    ...UPSTREAM_TRAINERS,
    "EnsembleTrainer",
  ]);
  assertEquals(
    parseTrainerList("SaturatingRegressionTrainer,default").length,
    11,
  );
  assertThrows(() => parseTrainerList("upstreams"), /upstreams/);
});
