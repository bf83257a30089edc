/**
 * `prepareFrames` against the three copies of the rule it replaced (train's
 * batched extraction, estimate's per-query extraction, the CLI's level
 * choice), on the real dumps.
 */
import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import {
  concatNodeFrames,
  extract,
  extractFeatureGroups,
  type Frame,
  readQueryFile,
} from "../extract/mod.ts";
import type { FeatureGroup, OutputType } from "../types.ts";
import { backgroundContainers } from "./background_containers.ts";
import { isolate, type IsolateOptions } from "./isolate.ts";
import { idleProfiles } from "./profile.ts";
import { extractBatch, prepareFrames } from "./prepare_frames.ts";
import { IDLE_JSON, PROM_RESPONSE_JSON } from "./_testdata.ts";

const idle = await readQueryFile(IDLE_JSON);
const coremark = await readQueryFile(PROM_RESPONSE_JSON);
const queries = [idle, idle];
const groups: FeatureGroup[] = ["BPFOnly", "CounterOnly", "Basic"];
const base = { source: "rapl-sysfs" as const, thirdParty: [], nodeType: 0 };

/** lib/train/pipeline.ts before: batch per level, per-group fallback. */
function trainCopy(isolation: IsolateOptions): Map<FeatureGroup, Frame[]> {
  const batch = (level: "node" | "container") =>
    queries.map((q) => {
      try {
        return extractFeatureGroups(q, groups, { ...base, level });
      } catch {
        return undefined;
      }
    });
  const nodeFrames = batch("node");
  const containerFrames = batch("container");
  const framesOf = (
    group: FeatureGroup,
    level: "node" | "container",
    batched: (Map<FeatureGroup, Frame> | undefined)[],
  ) =>
    queries.map((q, i) =>
      batched[i]?.get(group) ?? extract(q, group, { ...base, level })
    );
  const out = new Map<FeatureGroup, Frame[]>();
  for (const group of groups) {
    const abs = concatNodeFrames(framesOf(group, "node", nodeFrames));
    const dyn = concatNodeFrames(
      framesOf(group, "container", containerFrames).map((f) =>
        isolate(f, isolation)
      ),
    );
    out.set(group, [abs, dyn]);
  }
  return out;
}

/** lib/estimate/estimate.ts before. */
function estimateCopy(
  group: FeatureGroup,
  outputType: OutputType,
  isolation: IsolateOptions,
): Frame {
  return concatNodeFrames(
    outputType === "AbsPower"
      ? queries.map((q) => extract(q, group, { ...base, level: "node" }))
      : queries.map((q) =>
        isolate(extract(q, group, { ...base, level: "container" }), isolation)
      ),
  );
}

/** cli/commands/_stage_flags.ts before: the level of `extract -ot`. */
function cliCopy(group: FeatureGroup, outputType: OutputType): Frame {
  return extract(coremark, group, {
    ...base,
    level: outputType === "DynPower" ? "container" : "node",
  });
}

const isolations: IsolateOptions[] = [
  {},
  { isolator: "none" },
  { isolator: "quantile", q: 0.1 },
  {
    isolator: "profile",
    profile: idleProfiles(idle)["rapl-sysfs"]!,
    backgroundContainers: backgroundContainers(idle),
  },
];

Deno.test("prepareFrames() gives train's frames, batched or not", () => {
  for (const isolation of isolations) {
    const expected = trainCopy(isolation);
    const node = extractBatch(queries, groups, "AbsPower", base);
    const container = extractBatch(queries, groups, "DynPower", base);
    for (const group of groups) {
      const [abs, dyn] = expected.get(group)!;
      const options = { ...base, isolation };
      assertEquals(
        prepareFrames(queries, group, "AbsPower", {
          ...options,
          extracted: node,
        }),
        abs,
      );
      assertEquals(
        prepareFrames(queries, group, "DynPower", {
          ...options,
          extracted: container,
        }),
        dyn,
      );
      assertEquals(prepareFrames(queries, group, "AbsPower", options), abs);
      assertEquals(prepareFrames(queries, group, "DynPower", options), dyn);
    }
  }
});

Deno.test("prepareFrames() gives estimate's frames", () => {
  for (const isolation of isolations) {
    for (const group of groups) {
      for (const outputType of ["AbsPower", "DynPower"] as const) {
        assertEquals(
          prepareFrames(queries, group, outputType, { ...base, isolation }),
          estimateCopy(group, outputType, isolation),
        );
      }
    }
  }
});

Deno.test("prepareFrames() with isolation null gives `extract -ot`'s frames", () => {
  for (const group of ["CounterOnly", "CgroupOnly"] as const) {
    for (const outputType of ["AbsPower", "DynPower"] as const) {
      const frame = prepareFrames(coremark, group, outputType, {
        ...base,
        isolation: null,
      });
      assertEquals(frame, cliCopy(group, outputType));
      assertEquals(
        frame.level,
        outputType === "AbsPower" ? "node" : "container",
      );
    }
  }
});

Deno.test("extractBatch() leaves a failed query undefined and prepareFrames() reports its group", () => {
  const partial = extractBatch([idle], ["BPFOnly", "Full"], "AbsPower", base);
  assertEquals(partial, [undefined]);
  assertEquals(
    prepareFrames(idle, "BPFOnly", "AbsPower", { ...base, extracted: partial }),
    extract(idle, "BPFOnly", base),
  );
  const broken = { ...idle, metrics: new Map(), origin: "broken.json" };
  const batch = extractBatch([idle, broken], ["BPFOnly"], "AbsPower", base);
  assertEquals(batch[1], undefined);
  assertThrows(
    () =>
      prepareFrames([idle, broken], "BPFOnly", "AbsPower", {
        ...base,
        extracted: batch,
      }),
    { name: "RangeError", message: /^Cannot extract BPFOnly features/ },
  );
});
