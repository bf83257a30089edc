/**
 * The shapes of `simulateVmHost()`: its options, the VMs it runs, their
 * ground truth and the result (the host Kepler's view, each guest
 * Kepler's view, the truth per VM).
 *
 * @module
 */
import type { Component, MachineSpec } from "../types.ts";
import type { SimulatedSource } from "./_engine.ts";
import type {
  ComponentPower,
  NodeModel,
  SimulatedFeature,
} from "./node_model.ts";
import type { Simulation } from "./simulation.ts";

/** What runs inside a simulated VM. */
export const VM_WORKLOADS = ["stress", "background", "none"] as const;
/**
 * `stress`: a workload plan of its own (stress-ng loads scaled to its
 * vCPUs, drawn from the seed) plus background containers; `background`:
 * background containers only (the stress containers stay idle); `none`:
 * nothing runs, its usage counters stay flat.
 */
export type VmWorkload = typeof VM_WORKLOADS[number];

/** How the host's idle power is shared among its VMs. */
export const VM_IDLE_SHARES = ["vcpus", "even"] as const;
/**
 * `vcpus`: in proportion to each VM's vCPUs (the default); `even`: the
 * same for every VM, as Kepler v0.7.12 splits idle power evenly over
 * processes (one QEMU process per VM).
 */
export type VmIdleShare = typeof VM_IDLE_SHARES[number];

/** One VM to simulate. */
export interface VmSpec {
  /**
   * The libvirt domain name: lower-case letters, digits and `-`, starting
   * and ending with a letter or digit (it names files and labels).
   */
  name: string;
  /** Virtual CPUs: an integer ≥ 1. */
  vcpus: number;
  /** Memory in GiB (> 0): the VM's machine spec; it draws no power of its own. */
  memoryGiB: number;
  /**
   * What runs inside.
   *
   * @default {"stress"}
   */
  workload?: VmWorkload;
  /**
   * Application containers inside the guest (stress-ng workers included;
   * the two pseudo-containers come on top).
   *
   * @default {undefined} 4 + ⌊vcpus / 4⌋
   */
  containers?: number;
}

/** Options of `simulateVmHost()`. */
export interface VmHostOptions {
  /**
   * The VMs; the sum of their vCPUs must not exceed the host's hardware
   * threads (no overcommit).
   *
   * @default {@linkcode DEFAULT_VMS} (2, 4, 8 and 16 vCPUs)
   */
  vms?: readonly VmSpec[];
  /**
   * Time of the first sample, unix seconds.
   *
   * @default {undefined} now minus the duration, aligned to the step
   */
  start?: number;
  /**
   * Seconds of data.
   *
   * @default {3600}
   */
  duration?: number;
  /**
   * Sample period, seconds (every Kepler's SAMPLE_PERIOD_SEC).
   *
   * @default {3}
   */
  step?: number;
  /**
   * Seed of every draw: the VMs' workloads, ids and the host's noise.
   *
   * @default {1}
   */
  seed?: number;
  /**
   * Measurement noise of the host's meters: standard deviation in watts
   * per component and sample.
   *
   * @default {2}
   */
  noise?: number;
  /**
   * The host's energy sources.
   *
   * @default {["rapl-sysfs", "acpi"]}
   */
  sources?: readonly SimulatedSource[];
  /**
   * The host's node model.
   *
   * @default {@linkcode DEFAULT_NODE_MODEL}
   */
  model?: NodeModel;
  /**
   * Prometheus `job` of the guests' Keplers (upstream's VM_JOB_NAME).
   *
   * @default {"vm"}
   */
  vmJobName?: string;
  /**
   * Prometheus `job` of the host's Kepler.
   *
   * @default {"kepler-exporter"}
   */
  hostJob?: string;
  /**
   * The host's node name (its Kepler's `instance`).
   *
   * @default {"sim-host-0"}
   */
  hostName?: string;
  /**
   * How the host's idle power is shared among the VMs.
   *
   * @default {"vcpus"}
   */
  idleShare?: VmIdleShare;
  /**
   * Whether the guests export the hardware counters (`cpu_cycles`,
   * `cpu_instructions`, `cache_miss`); VMs usually have no virtual PMU,
   * so by default they export only the eBPF counters.
   *
   * @default {false}
   */
  guestHardwareCounters?: boolean;
}

/** The ground truth of one VM, one entry per sample. */
export interface VmTruth {
  /** The VM's per-second usage rates (all features, exported or not). */
  rates: Record<SimulatedFeature, Float64Array>;
  /** What the host attributes to the VM: `dynamic` + `idle` (W). */
  power: Record<Component, Float64Array>;
  /**
   * The VM's share of the host's true dynamic power (W): the host's
   * dynamic power × the VM's share of the component's ratio feature
   * (instructions for package, core and uncore, cache misses for dram,
   * CPU time for platform), as Kepler shares it.
   */
  dynamic: Record<Component, Float64Array>;
  /** The VM's share of the host's true idle power (W, constant). */
  idle: ComponentPower;
  /**
   * The VM's own true dynamic power (W): the host's `truePower` of the
   * VM's rates alone minus the host's idle power.
   */
  trueDynamic: Record<Component, Float64Array>;
  /**
   * What the host Kepler's `kepler_vm_*_joules_total` show (W, dynamic +
   * idle): the measured node energy (truth + noise) shared as above.
   */
  measured: Record<Component, Float64Array>;
  /** The VM's workload phase covering most of each interval. */
  phase: string[];
}

/** One simulated VM: its spec, identity, workload and ground truth. */
export interface SimulatedVm {
  /** The libvirt domain name; the guest Kepler's scrape `instance`. */
  name: string;
  /** Kepler's `vm_id`: `machine-qemu-<domain id>-<name>`. */
  vmId: string;
  /** The PID of its QEMU process on the host. */
  pid: number;
  /** Virtual CPUs. */
  vcpus: number;
  /** Memory, GiB. */
  memoryGiB: number;
  /** What runs inside. */
  workload: VmWorkload;
  /** Its share of the host's idle power, in [0, 1]. */
  idleShare: number;
  /** The ground truth. */
  truth: VmTruth;
}

/** Metadata of a VM host simulation: every option that shaped it. */
export interface VmHostMetadata {
  /** Always `"kepler-model simulate"`. */
  generator: "kepler-model simulate";
  /** The seed. */
  seed: number;
  /** First sample time (unix seconds). */
  start: number;
  /** Last sample time (unix seconds). */
  end: number;
  /** Sample period, seconds. */
  step: number;
  /** Requested duration, seconds. */
  duration: number;
  /** Samples per Kepler. */
  samples: number;
  /** The host's energy sources. */
  sources: SimulatedSource[];
  /** Noise standard deviation of the host's meters, W. */
  noise: number;
  /** The host's node name. */
  host: string;
  /** Prometheus `job` of the host's Kepler. */
  hostJob: string;
  /** Prometheus `job` of the guests' Keplers. */
  vmJobName: string;
  /** How the host's idle power is shared among the VMs. */
  idleShare: VmIdleShare;
  /** Whether the guests export hardware counters. */
  guestHardwareCounters: boolean;
}

/** A host running VMs, seen by the host's Kepler and by each guest's. */
export interface VmHostSimulation {
  /** Options and derived sizes. */
  metadata: VmHostMetadata;
  /** The host's machine spec. */
  spec: MachineSpec;
  /**
   * The host Kepler's view: one node with node energy, `kepler_vm_*`
   * usage and energy per VM, the VMs' QEMU processes
   * (`kepler_process_*`) and the `system_processes` pseudo-container
   * they run in; its truth is the host's.
   */
  host: Simulation;
  /**
   * Each guest Kepler's view, in VM order: one node (instance = the VM's
   * name, job = `vmJobName`) with usage counters only (containers and
   * processes) and no energy. Its `truth` holds the VM's: `power` is
   * what the host attributes to the VM, `idle` its idle share, `measured`
   * what the host's VM counters show.
   */
  guests: Simulation[];
  /** The VMs with their ground truth, in order. */
  vms: SimulatedVm[];
}
