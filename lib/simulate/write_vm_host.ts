/**
 * `writeVmHostSimulation()`: writes a VM host simulation to DATAPATH: the
 * host Kepler's query JSON (`<name>_host.json`), one query JSON per guest
 * (`<name>_vm_<vm>.json`), the truth per VM (`<name>_vm_truth.csv`), the
 * host's truth (`<name>_host_truth.csv`), the machine specs of the host and
 * of each VM (`machine_spec/<name>_host.json`,
 * `machine_spec/<name>_vm_<vm>.json`) and a metadata file
 * (`<name>_host_simulation.json`: options, seed, each VM's identity, size,
 * workload plan and containers, the host's true coefficients). Every file
 * is written atomically.
 *
 * @module
 */
import { writeFileAtomic, writeJsonFile } from "../io/mod.ts";
import {
  machineSpecFile,
  queryFile,
  simulationMetadataFile,
  simulationTruthFile,
  stripExtension,
  vmGuestStem,
  vmHostStem,
  vmTruthFile,
} from "../layout.ts";
import { writeMachineSpec } from "../query/machine_spec.ts";
import { queryJsonBytes } from "./query_json.ts";
import { truthCsv } from "./truth_csv.ts";
import type { VmHostSimulation } from "./vm_host_types.ts";
import { vmTruthCsv } from "./vm_truth_csv.ts";

/** The paths {@linkcode writeVmHostSimulation} wrote. */
export interface WrittenVmHostSimulation {
  /** `<data>/<name>_host.json`: the host Kepler's query JSON. */
  host: string;
  /** `<data>/<name>_vm_<vm>.json` per VM, in VM order. */
  guests: string[];
  /** `<data>/<name>_vm_truth.csv`. */
  truth: string;
  /** `<data>/<name>_host_truth.csv`. */
  hostTruth: string;
  /** `<data>/machine_spec/<name>_host.json`, then one per VM. */
  machineSpecs: string[];
  /** `<data>/<name>_host_simulation.json`. */
  metadata: string;
}

/** The metadata document: options, identities, plans, coefficients. */
function metadataDocument(sim: VmHostSimulation) {
  const host = sim.host.nodes[0]!;
  return {
    metadata: sim.metadata,
    spec: sim.spec,
    host: {
      instance: host.instance,
      job: sim.host.metadata.job,
      idle: host.truth.idle,
      model: host.model,
    },
    vms: sim.vms.map((vm, v) => {
      const guest = sim.guests[v]!;
      return {
        name: vm.name,
        vmId: vm.vmId,
        pid: vm.pid,
        vcpus: vm.vcpus,
        memoryGiB: vm.memoryGiB,
        workload: vm.workload,
        idleShare: vm.idleShare,
        idle: vm.truth.idle,
        guest: {
          instance: guest.nodes[0]!.instance,
          job: guest.metadata.job,
          spec: guest.spec,
          planSeed: guest.metadata.planSeed,
          plan: guest.plan,
          containers: guest.nodes[0]!.containers,
        },
      };
    }),
  };
}

/**
 * Writes a VM host simulation under `dataPath` as `name` (see the module
 * doc for the files).
 *
 * @param dataPath The data folder (DATAPATH) to write into; created as
 *   needed.
 * @param name The file stem, e.g. `vms` for `<dataPath>/vms_host.json`; a
 *   trailing `.json` is dropped.
 * @param sim The simulation, e.g. from `simulateVmHost`.
 * @returns The paths written.
 * @throws {RangeError} when `name` is empty or holds a path separator.
 *
 * @example
 * ```ts
 * import { simulateVmHost } from "./vm_host.ts";
 * import { writeVmHostSimulation } from "./write_vm_host.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const sim = simulateVmHost({ start: 1_700_000_001, duration: 30 });
 * const written = await writeVmHostSimulation(dir, "vms", sim);
 * assertEquals(written.host, `${dir}/vms_host.json`);
 * assertEquals(written.guests[0], `${dir}/vms_vm_vm-small.json`);
 * assertEquals(JSON.parse(await Deno.readTextFile(written.machineSpecs[1]!)).attrs.cores, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeVmHostSimulation(
  dataPath: string,
  name: string,
  sim: VmHostSimulation,
): Promise<WrittenVmHostSimulation> {
  const stem = stripExtension(name, ".json");
  if (stem === "" || /[/\\]/.test(stem)) {
    throw new RangeError(
      `Cannot write a VM host simulation named "${name}": the name must be a plain file name`,
    );
  }
  const hostStem = vmHostStem(stem);
  const guestStems = sim.vms.map((vm) => vmGuestStem(stem, vm.name));
  const written: WrittenVmHostSimulation = {
    host: queryFile(dataPath, hostStem),
    guests: guestStems.map((s) => queryFile(dataPath, s)),
    truth: vmTruthFile(dataPath, stem),
    hostTruth: simulationTruthFile(dataPath, hostStem),
    machineSpecs: [hostStem, ...guestStems].map((s) =>
      machineSpecFile(dataPath, s)
    ),
    metadata: simulationMetadataFile(dataPath, hostStem),
  };
  await writeFileAtomic(written.host, queryJsonBytes(sim.host));
  for (let v = 0; v < sim.guests.length; v++) {
    await writeFileAtomic(written.guests[v]!, queryJsonBytes(sim.guests[v]!));
  }
  await writeFileAtomic(written.truth, vmTruthCsv(sim));
  await writeFileAtomic(written.hostTruth, truthCsv(sim.host));
  const specs = [sim.spec, ...sim.guests.map((g) => g.spec)];
  for (let i = 0; i < specs.length; i++) {
    await writeMachineSpec(written.machineSpecs[i]!, specs[i]!);
  }
  await writeJsonFile(written.metadata, metadataDocument(sim));
  return written;
}
