/**
 * Small builders of synthetic query JSON for the tests of lib/extract, and
 * paths of the real dumps (in test/testdata). Private to lib/extract.
 *
 * @module
 */
import type { PromSeries, QueryResult } from "../query/format.ts";
import { type Component, featureMetric, powerMetric } from "../types.ts";
import { testdata } from "../../test/testdata.ts";

const KMS = "kepler-model-server/";

/** The real idle dump (7 samples, 2023-12-13). */
export const IDLE_JSON = testdata(
  `${KMS}upstream-head/tests/data/prom_output/idle.json`,
);

/** The real coremark dump with old names (188 samples at 3 s, 2023-09-22). */
export const PROM_RESPONSE_JSON = testdata(
  `${KMS}upstream-history/dbe1166/tests/data/prom_output/prom_response.json`,
);

/** Upstream's golden extract/isolate outputs on idle.json. */
export const GOLDEN_DIR = `${
  testdata(`${KMS}generated-from-upstream-head/extract-isolate`)
}/`;

/** Samples as [time, value]. */
export type Samples = readonly (readonly [number, number | string])[];

function values(samples: Samples): [number, string][] {
  return samples.map(([t, v]) => [t, String(v)]);
}

/** A node energy series. */
export function energy(
  component: Component,
  samples: Samples,
  labels: Record<string, string> = {},
): [string, PromSeries] {
  return [powerMetric(component), {
    metric: {
      __name__: powerMetric(component),
      instance: "node-a",
      mode: "dynamic",
      source: "acpi",
      ...(component === "platform" ? {} : { package: "0" }),
      ...labels,
    },
    values: values(samples),
  }];
}

/** A container usage series of a feature. */
export function usage(
  feature: string,
  container: string,
  samples: Samples,
  labels: Record<string, string> = {},
): [string, PromSeries] {
  return [featureMetric(feature), {
    metric: {
      __name__: featureMetric(feature),
      instance: "node-a",
      container_id: `id-${container}`,
      pod_name: `pod-${container}`,
      container_name: container,
      container_namespace: "default",
      ...labels,
    },
    values: values(samples),
  }];
}

/** Collects series into a query result. */
export function queryOf(...series: [string, PromSeries][]): QueryResult {
  const out: QueryResult = {};
  for (const [metric, s] of series) (out[metric] ??= []).push(s);
  return out;
}

/** Samples `t0, t0+step, …` of a counter growing by `rate × Δt` from `start`. */
export function ramp(
  times: readonly number[],
  rate: number,
  start = 0,
): [number, number][] {
  const t0 = times[0] ?? 0;
  return times.map((t) => [t, start + rate * (t - t0)]);
}
