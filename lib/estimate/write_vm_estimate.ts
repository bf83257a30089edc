/**
 * `writeVmEstimates()`: the VM estimates of `estimate --vm` as one CSV.
 *
 * @module
 */
import { writeFileAtomic } from "../io/atomic.ts";
import { type CsvCell, formatCsv } from "../io/csv.ts";
import { vmEstimationResultFile } from "../layout.ts";
import { powerColumn } from "../types.ts";
import type { VmEstimate } from "./vm_estimate.ts";

/**
 * Writes `<output>/vm_estimation_result.csv` atomically: one row per VM
 * and interval, columns `timestamp`, `vm`, `vcpus`, `model`,
 * `normalization`, then per component `<c>_power` (estimated) and, when
 * the host's view was given, `<c>_host_power` (the host's attribution);
 * a cell is empty where a VM has no such value.
 *
 * @param estimates The VMs' estimates (from `estimateVm`).
 * @param outputFolder The folder to write into, e.g. `<data>/output`.
 * @returns The path written.
 *
 * @example
 * ```ts
 * import { writeVmEstimates } from "./write_vm_estimate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const path = await writeVmEstimates([{ vm: "a", vcpus: 2, model: "M_0", nodeType: 0, modelVcpus: 2,
 *   similarity: 1, normalization: "none", timestamp: Float64Array.of(3),
 *   components: [{ component: "platform", power: Float64Array.of(10.5) }] }], dir);
 * assertEquals((await Deno.readTextFile(path)).split("\n").slice(0, 2),
 *   ["timestamp,vm,vcpus,model,normalization,platform_power", "3,a,2,M_0,none,10.5"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeVmEstimates(
  estimates: readonly VmEstimate[],
  outputFolder: string,
): Promise<string> {
  const components = [
    ...new Set(estimates.flatMap((e) => e.components.map((c) => c.component))),
  ];
  const hosted = estimates.some((e) =>
    e.components.some((c) => c.hostPower !== undefined)
  );
  const header = [
    "timestamp",
    "vm",
    "vcpus",
    "model",
    "normalization",
    ...components.map(powerColumn),
    ...(hosted ? components.map((c) => `${c}_host_power`) : []),
  ];
  const rows: CsvCell[][] = [];
  for (const e of estimates) {
    const of = (c: string) => e.components.find((x) => x.component === c);
    e.timestamp.forEach((t, i) => {
      rows.push([
        t,
        e.vm,
        e.vcpus,
        e.model,
        e.normalization,
        ...components.map((c) => of(c)?.power[i] ?? ""),
        ...(hosted ? components.map((c) => of(c)?.hostPower?.[i] ?? "") : []),
      ]);
    });
  }
  const path = vmEstimationResultFile(outputFolder);
  await writeFileAtomic(path, formatCsv(header, rows));
  return path;
}
