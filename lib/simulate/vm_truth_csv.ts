/**
 * The ground truth of a VM host simulation as CSV (`<name>_vm_truth.csv`):
 * one row per VM and sample with the VM's identity and size, its usage
 * rates, the power the host attributes to it, its own true dynamic power
 * and what the host Kepler's VM counters show.
 *
 * @module
 */
import { formatCsv } from "../io/mod.ts";
import type { CsvCell } from "../io/mod.ts";
import { COMPONENTS, powerColumn } from "../types.ts";
import { SIMULATED_FEATURES } from "./node_model.ts";
import type { VmHostSimulation } from "./vm_host_types.ts";

/**
 * Columns of the VM truth CSV: `timestamp` (unix seconds; the row
 * describes the interval that ends there), `vm` (the domain name, the
 * guest's `instance`), `vm_id` (the host's label), `vcpus`, `memory_gib`,
 * `workload`, `idle_share`, `phase` (the VM's workload phase), the VM's
 * per-second rate of each usage feature (all eight, exported by the guest
 * or not), then per component `<c>_power` (attributed by the host:
 * dynamic + idle share, noise-free), `<c>_dynamic_power` (its share of the
 * host's true dynamic power), `<c>_idle_power` (its share of the host's
 * true idle power), `<c>_true_dynamic_power` (the host's `truePower` of
 * the VM's rates alone minus idle) and `<c>_measured_power` (Δ joules / Δt
 * of the host's `kepler_vm_<c>_joules_total`, both modes).
 */
export const VM_TRUTH_COLUMNS: readonly string[] = [
  "timestamp",
  "vm",
  "vm_id",
  "vcpus",
  "memory_gib",
  "workload",
  "idle_share",
  "phase",
  ...SIMULATED_FEATURES,
  ...COMPONENTS.map(powerColumn),
  ...COMPONENTS.map((c) => `${c}_dynamic_power`),
  ...COMPONENTS.map((c) => `${c}_idle_power`),
  ...COMPONENTS.map((c) => `${c}_true_dynamic_power`),
  ...COMPONENTS.map((c) => `${c}_measured_power`),
];

/**
 * The VM truth table as CSV text with {@linkcode VM_TRUTH_COLUMNS}, VMs in
 * order, samples in time order within a VM.
 *
 * @param sim The simulation, e.g. from `simulateVmHost`.
 * @returns The CSV text (header and one row per VM and sample).
 *
 * @example
 * ```ts
 * import { simulateVmHost } from "./vm_host.ts";
 * import { VM_TRUTH_COLUMNS, vmTruthCsv } from "./vm_truth_csv.ts";
 * import { parseCsv } from "../io/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulateVmHost({ start: 1_700_000_000, duration: 30 });
 * const table = parseCsv(vmTruthCsv(sim));
 * assertEquals(table.header, [...VM_TRUTH_COLUMNS]);
 * assertEquals(table.rows.length, 4 * 10);
 * assertEquals(table.rows[0]!.slice(1, 4), ["vm-small", "machine-qemu-1-vm-small", "2"]);
 * ```
 */
export function vmTruthCsv(sim: VmHostSimulation): string {
  const rows: CsvCell[][] = [];
  const timestamps = sim.host.nodes[0]!.timestamps;
  for (const vm of sim.vms) {
    const { truth } = vm;
    for (let k = 0; k < timestamps.length; k++) {
      const row: CsvCell[] = [
        timestamps[k],
        vm.name,
        vm.vmId,
        vm.vcpus,
        vm.memoryGiB,
        vm.workload,
        vm.idleShare,
        truth.phase[k],
      ];
      for (const f of SIMULATED_FEATURES) row.push(truth.rates[f][k]);
      for (const c of COMPONENTS) row.push(truth.power[c][k]);
      for (const c of COMPONENTS) row.push(truth.dynamic[c][k]);
      for (const c of COMPONENTS) row.push(truth.idle[c]);
      for (const c of COMPONENTS) row.push(truth.trueDynamic[c][k]);
      for (const c of COMPONENTS) row.push(truth.measured[c][k]);
      rows.push(row);
    }
  }
  return formatCsv(VM_TRUTH_COLUMNS, rows);
}
