/**
 * The VMs of a VM host simulation: the default set, the text form the
 * CLI reads (`--vms`), Kepler's `vm_id` of a VM and the checks a set of
 * VMs must pass on a host.
 *
 * @module
 */
import type { MachineSpec } from "../types.ts";
import { vocabularyParser } from "../types.ts";
import { VM_WORKLOADS } from "./vm_host_types.ts";
import type { VmSpec, VmWorkload } from "./vm_host_types.ts";

/**
 * The default VMs: four sizes, 2, 4, 8 and 16 vCPUs with 4 GiB per vCPU
 * (30 vCPUs and 120 GiB, within the default host's 40 threads and
 * 125 GiB), each running a stress plan of its own.
 */
export const DEFAULT_VMS: readonly Readonly<VmSpec>[] = Object.freeze([
  Object.freeze({ name: "vm-small", vcpus: 2, memoryGiB: 8 }),
  Object.freeze({ name: "vm-medium", vcpus: 4, memoryGiB: 16 }),
  Object.freeze({ name: "vm-large", vcpus: 8, memoryGiB: 32 }),
  Object.freeze({ name: "vm-xlarge", vcpus: 16, memoryGiB: 64 }),
]);

/** A VM name: lower-case letters, digits and `-`, alphanumeric at both ends. */
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Parses a VM workload (`stress`, `background` or `none`).
 *
 * @example
 * ```ts
 * import { parseVmWorkload } from "./vm_spec.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseVmWorkload(" None"), "none");
 * assertThrows(() => parseVmWorkload("busy"), RangeError);
 * ```
 */
export const parseVmWorkload: (input: string) => VmWorkload = vocabularyParser(
  "VM workload",
  VM_WORKLOADS,
);

function parseEntry(entry: string, index: number): VmSpec {
  const match = /^(?:([^=]+)=)?([^:]+):([^:]+)(?::([^:]+))?$/.exec(entry);
  if (!match) {
    throw new RangeError(
      `Invalid VM "${entry}": expected [name=]vcpus:memoryGiB[:workload], e.g. web=4:16:stress`,
    );
  }
  const number = (text: string, what: string) => {
    const value = Number(text);
    if (text.trim() === "" || Number.isNaN(value)) {
      throw new RangeError(
        `Invalid VM "${entry}": ${what} "${text}" is not a number`,
      );
    }
    return value;
  };
  const vcpus = number(match[2]!, "vcpus");
  const memoryGiB = number(match[3]!, "memoryGiB");
  const spec: VmSpec = {
    name: match[1]?.trim() ?? `vm-${index}`,
    vcpus,
    memoryGiB,
  };
  if (match[4] !== undefined) spec.workload = parseVmWorkload(match[4]);
  checkVm(spec);
  return spec;
}

/**
 * Parses the text form of a set of VMs: `default` (the
 * {@linkcode DEFAULT_VMS}), or comma-separated entries
 * `[name=]vcpus:memoryGiB[:workload]` (an unnamed entry i is `vm-<i>`).
 *
 * @param input The text, e.g. `web=4:16,db=8:32:background,2:4:none`.
 * @returns The VMs, in order.
 * @throws {RangeError} when an entry is malformed or out of range, or two
 *   VMs share a name; the message names the entry.
 *
 * @example
 * ```ts
 * import { parseVmSpecs } from "./vm_spec.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseVmSpecs("web=4:16, 2:4:none"), [
 *   { name: "web", vcpus: 4, memoryGiB: 16 },
 *   { name: "vm-1", vcpus: 2, memoryGiB: 4, workload: "none" },
 * ]);
 * assertEquals(parseVmSpecs("default").length, 4);
 * assertThrows(() => parseVmSpecs("web=0:16"), /vcpus must be an integer ≥ 1, got 0/);
 * ```
 */
export function parseVmSpecs(input: string): VmSpec[] {
  if (input.trim().toLowerCase() === "default") {
    return DEFAULT_VMS.map((vm) => ({ ...vm }));
  }
  const entries = input.split(",").map((s) => s.trim()).filter((s) => s);
  if (entries.length === 0) {
    throw new RangeError(
      `Invalid VM list "${input}": expected "default" or [name=]vcpus:memoryGiB[:workload] entries separated by commas`,
    );
  }
  const vms = entries.map(parseEntry);
  checkVmNames(vms);
  return vms;
}

/**
 * Checks one VM: its name, vCPUs, memory, workload and containers.
 *
 * @param vm The VM.
 * @throws {RangeError} naming the VM, the field and its value.
 *
 * @example
 * ```ts
 * import { checkVm } from "./vm_spec.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * checkVm({ name: "web", vcpus: 4, memoryGiB: 16 });
 * assertThrows(() => checkVm({ name: "Web", vcpus: 4, memoryGiB: 16 }), RangeError);
 * ```
 */
export function checkVm(vm: VmSpec): void {
  const fail = (what: string) => {
    throw new RangeError(`Invalid VM "${vm.name}": ${what}`);
  };
  if (typeof vm.name !== "string" || !NAME.test(vm.name)) {
    fail(
      "the name must be 1 to 63 lower-case letters, digits or '-', starting and ending with a letter or digit",
    );
  }
  if (!Number.isInteger(vm.vcpus) || vm.vcpus < 1) {
    fail(`vcpus must be an integer ≥ 1, got ${vm.vcpus}`);
  }
  if (!Number.isFinite(vm.memoryGiB) || vm.memoryGiB <= 0) {
    fail(`memoryGiB must be a number > 0, got ${vm.memoryGiB}`);
  }
  if (
    vm.workload !== undefined &&
    !(VM_WORKLOADS as readonly string[]).includes(vm.workload)
  ) {
    fail(
      `unknown workload "${vm.workload}"; valid workloads are ${
        VM_WORKLOADS.join(", ")
      }`,
    );
  }
  if (
    vm.containers !== undefined &&
    (!Number.isInteger(vm.containers) || vm.containers < 1)
  ) {
    fail(`containers must be an integer ≥ 1, got ${vm.containers}`);
  }
}

function checkVmNames(vms: readonly VmSpec[]): void {
  const seen = new Set<string>();
  for (const vm of vms) {
    if (seen.has(vm.name)) {
      throw new RangeError(
        `Invalid VM list: two VMs are named "${vm.name}"; names must be unique`,
      );
    }
    seen.add(vm.name);
  }
}

/**
 * Checks a set of VMs for a host: each VM, unique names, at least one VM,
 * and no overcommit (their vCPUs fit the host's hardware threads and
 * their memory the host's memory).
 *
 * @param vms The VMs.
 * @param host The host's machine spec.
 * @throws {RangeError} naming what does not fit and the figures.
 *
 * @example
 * ```ts
 * import { checkVmsOnHost, DEFAULT_VMS } from "./vm_spec.ts";
 * import { DEFAULT_NODE_MODEL } from "./node_model.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * checkVmsOnHost(DEFAULT_VMS, DEFAULT_NODE_MODEL.spec);
 * assertThrows(() => checkVmsOnHost([...DEFAULT_VMS, { name: "big", vcpus: 16, memoryGiB: 1 }], DEFAULT_NODE_MODEL.spec),
 *   /46 vCPUs .* 40 hardware threads/);
 * ```
 */
export function checkVmsOnHost(
  vms: readonly VmSpec[],
  host: Readonly<MachineSpec>,
): void {
  if (vms.length === 0) {
    throw new RangeError("Invalid VM list: a VM host needs at least one VM");
  }
  vms.forEach(checkVm);
  checkVmNames(vms);
  const vcpus = vms.reduce((sum, vm) => sum + vm.vcpus, 0);
  if (vcpus > host.cores) {
    throw new RangeError(
      `Invalid VM list: the VMs have ${vcpus} vCPUs in all, more than the host's ${host.cores} hardware threads (overcommit is not simulated)`,
    );
  }
  const memory = vms.reduce((sum, vm) => sum + vm.memoryGiB, 0);
  if (memory > host.memory) {
    throw new RangeError(
      `Invalid VM list: the VMs have ${memory} GiB of memory in all, more than the host's ${host.memory} GiB`,
    );
  }
}

/**
 * Kepler's `vm_id` of a libvirt VM: its systemd scope
 * `machine-qemu\x2d<id>\x2d<name>.scope` with `\x2d` read as `-` and the
 * suffix dropped (Kepler v0.7 `pkg/libvirt/resolve_vm.go`).
 *
 * @param domainId The libvirt domain id (1 for the first VM started).
 * @param name The domain name.
 * @returns The `vm_id`, e.g. `machine-qemu-1-web`.
 *
 * @example
 * ```ts
 * import { keplerVmId } from "./vm_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(keplerVmId(3, "vm-large"), "machine-qemu-3-vm-large");
 * ```
 */
export function keplerVmId(domainId: number, name: string): string {
  return `machine-qemu-${domainId}-${name}`;
}
