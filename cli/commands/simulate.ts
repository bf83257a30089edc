/**
 * `simulate`: synthetic Kepler data with a known ground truth. Writes a query
 * JSON like `query` does (plus the truth CSV, OpenMetrics for a backfill,
 * the benchmark file, the machine spec and the simulation metadata), or
 * with `--serve host:port` runs a live simulated Kepler exporter.
 *
 * @module
 */
import { about } from "./registry.ts";
import {
  type CliContext,
  command,
  flag,
  given,
  listParser,
  numberParser,
  option,
  type OptionValues,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import {
  type ExporterDrift,
  FAULT_KINDS,
  KeplerExporter,
  parseFaultKind,
  parseKeplerNaming,
  parseSimulatedSource,
  parseVmSpecs,
  simulate as runSimulation,
  type SimulateOptions,
  simulateVmHost,
  type Simulation,
  STRESS_KINDS,
  VM_IDLE_SHARES,
  type VmHostOptions,
  type VmHostSimulation,
  writeSimulation,
  writeVmHostSimulation,
  type WrittenSimulation,
  type WrittenVmHostSimulation,
} from "../../lib/simulate/mod.ts";
import { formatUtc, parseUtc } from "../../lib/query/format.ts";
import { vocabularyParser } from "../../lib/types.ts";

/** Unix seconds, or `%Y-%m-%dT%H:%M:%SZ`. */
function parseTime(value: string): number {
  const n = Number(value);
  if (value.trim() !== "" && Number.isFinite(n)) {
    if (n < 0) throw new RangeError(`start time ${value} is negative`);
    return n;
  }
  return parseUtc(value);
}

/** `host:port` for `--serve`. */
function parseAddress(value: string): { hostname: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new RangeError(
      `"${value}" is not an address: expected host:port, e.g. 127.0.0.1:9102`,
    );
  }
  return { hostname: match[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

/**
 * `AT:FACTOR` or `AT:KIND` for `--drift`: seconds after the start, and a
 * factor on the node's power or a stress kind that appears then (a new
 * workload class).
 *
 * @example
 * ```ts
 * import { parseDrift } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseDrift("60:1.3"), { at: 60, factor: 1.3 });
 * assertEquals(parseDrift("60:memory"), { at: 60, factor: 1, workload: "memory" });
 * assertThrows(() => parseDrift("60"), RangeError);
 * assertThrows(() => parseDrift("60:gpu"), RangeError);
 * ```
 */
export function parseDrift(value: string): ExporterDrift {
  const match = /^\s*([0-9.]+)\s*:\s*([0-9a-zA-Z.+-]+)\s*$/.exec(value);
  const at = match ? Number(match[1]) : NaN;
  const what = match?.[2] ?? "";
  const workload = STRESS_KINDS.find((k) => k === what);
  const factor = workload === undefined ? Number(what) : 1;
  if (!(at >= 0) || !(factor > 0) || !Number.isFinite(factor)) {
    throw new RangeError(
      `"${value}" is not a drift: expected AT:FACTOR (seconds after the start and a factor > 0 on the node's power, e.g. 120:1.3) or AT:KIND (a new workload class, one of ${
        STRESS_KINDS.join(", ")
      }, e.g. 120:memory)`,
    );
  }
  return workload === undefined ? { at, factor } : { at, factor, workload };
}

async function serve(
  address: { hostname: string; port: number },
  options: SimulateOptions,
  context: CliContext,
  drift?: ExporterDrift,
): Promise<void> {
  const exporter = new KeplerExporter({
    hostname: address.hostname,
    port: address.port,
    step: options.step ?? 3,
    duration: options.duration ?? 3600,
    containers: options.containers ?? 50,
    seed: options.seed ?? 1,
    noise: options.noise ?? 2,
    ...(options.sources ? { sources: options.sources } : {}),
    ...(options.naming ? { naming: options.naming } : {}),
    ...(drift ? { drift } : {}),
  });
  const addr = await exporter.serve();
  const host = addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  const stop = () => {
    exporter.close().catch(() => {});
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  // the first line once a signal stops it cleanly
  context.out(
    `Serving a simulated Kepler v0.7 exporter on http://${host}:${addr.port}/metrics (sample period ${
      options.step ?? 3
    } s, plan of ${exporter.plan.length} phases repeating every ${
      options.duration ?? 3600
    } s); Ctrl-C stops it`,
  );
  try {
    await exporter.finished;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  }
}

/** The options of `simulate`. */
const OPTIONS = {
  output: option(
    "-o, --output <name>",
    "output name: <data>/<name>.json and companions",
  ),
  duration: option(
    "--duration <seconds>",
    "seconds of data (with --serve: the plan's period)",
    { parse: numberParser({ min: 0.001 }), default: 3600 },
  ),
  step: option("--step <seconds>", "sample period", {
    parse: numberParser({ min: 0.001 }),
    default: 3,
  }),
  containers: option(
    "--containers <n>",
    "application containers per node (stress-ng workers included)",
    { parse: numberParser({ min: 1, integer: true }), default: 50 },
  ),
  nodes: option("--nodes <n>", "nodes (Kepler instances)", {
    parse: numberParser({ min: 1, integer: true }),
    default: 1,
  }),
  seed: option(
    "--seed <n>",
    "random seed: noise, usage, node variation and (other than 1) the workload plan",
    { parse: numberParser({ integer: true }), default: 1 },
  ),
  nodeVariation: option(
    "--node-variation <fraction>",
    "node-to-node variation within the machine type: each node's power coefficients are nominal × (1 + U(−v, v)), v in [0, 0.3], drawn from the seed",
    { parse: numberParser({ min: 0, max: 0.3 }), default: 0 },
  ),
  sources: option(
    "--sources <list>",
    "energy sources: rapl-sysfs, acpi (comma-separated)",
    { parse: listParser(parseSimulatedSource) },
  ),
  noise: option(
    "--noise <watts>",
    "measurement noise: standard deviation per component and sample",
    { parse: numberParser({ min: 0 }), default: 2 },
  ),
  naming: option(
    "--naming <version>",
    "Kepler naming: v0.7.12 or legacy (bpf_cpu_time_us, source=rapl)",
    { parse: parser(parseKeplerNaming), default: "v0.7.12" },
  ),
  faults: option(
    "--faults <list>",
    `faults to inject: ${FAULT_KINDS.join(", ")} (comma-separated)`,
    { parse: listParser(parseFaultKind) },
  ),
  startTime: option(
    "--start-time <time>",
    "first sample, unix seconds or %Y-%m-%dT%H:%M:%SZ (default: now minus the duration)",
    { parse: parser(parseTime) },
  ),
  benchmark: option(
    "--benchmark <name>",
    "benchmark file <data>/<name>.json (default: <output>_benchmark)",
  ),
  id: option(
    "--id <id>",
    "machine id: spec at <data>/machine_spec/<id>.json (default: the output name)",
  ),
  openmetrics: flag(
    "--openmetrics",
    "also write <data>/<output>.om for a promtool backfill (about 400 MB per hour at 50 containers)",
  ),
  idle: flag(
    "--idle",
    "an idle node: no stress-ng load in the whole window (the input of profile)",
  ),
  serve: option(
    "--serve <host:port>",
    "serve a live exporter on host:port instead of writing files",
    { parse: parser(parseAddress) },
  ),
  drift: option(
    "--drift <at:factor|at:kind>",
    "with --serve: from AT seconds after the start on, the node's idle power and power coefficients are multiplied by FACTOR (e.g. 120:1.3), or a new workload class appears: the stress KIND, which it never ran before, is all it runs (e.g. 120:memory)",
    { parse: parser(parseDrift) },
  ),
  vms: option(
    "--vms <spec>",
    "simulate a host running VMs instead: `default` (2, 4, 8 and 16 vCPUs) or [name=]vcpus:memoryGiB[:stress|background|none],... ; writes <output>_host.json (host Kepler), <output>_vm_<vm>.json (each guest Kepler) and <output>_vm_truth.csv",
    { parse: parser(parseVmSpecs) },
  ),
  vmJobName: option(
    "--vm-job-name <name>",
    "with --vms: Prometheus job of the guests' Keplers (upstream's VM_JOB_NAME; default: vm)",
  ),
  vmIdleShare: option(
    "--vm-idle-share <rule>",
    "with --vms: how the host's idle power is shared among VMs: vcpus (default) or even (Kepler v0.7.12's per-process rule)",
    { parse: parser(vocabularyParser("VM idle share", VM_IDLE_SHARES)) },
  ),
  guestHwCounters: flag(
    "--guest-hw-counters",
    "with --vms: the guests also export cpu_cycles, cpu_instructions and cache_miss (a VM with a virtual PMU)",
  ),
} as const;

/** The simulation's options from the flags. */
function simulateOptionsOf(
  options: OptionValues<typeof OPTIONS>,
): SimulateOptions {
  return {
    duration: options.duration,
    step: options.step,
    containers: options.containers,
    nodes: options.nodes,
    seed: options.seed,
    nodeVariation: options.nodeVariation,
    noise: options.noise,
    naming: options.naming,
    ...(options.sources ? { sources: options.sources } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.idle === true ? { plan: { idle: options.duration } } : {}),
    ...(options.startTime !== undefined ? { start: options.startTime } : {}),
  };
}

/** Runs the simulation; a bad combination of options is a usage error. */
function simulateOrUsage(options: SimulateOptions): Simulation {
  try {
    return runSimulation(options);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(error.message, { cause: error });
    }
    throw error;
  }
}

/** Prints what was simulated and written. */
function printSimulation(
  sim: Simulation,
  written: WrittenSimulation,
  context: CliContext,
): void {
  const m = sim.metadata;
  let samples = 0;
  for (const node of sim.nodes) {
    samples += node.series.length * node.emitted.length;
  }
  context.out(
    `Simulated ${m.nodes} node(s) × ${m.containers} containers: ${samples} samples from ${
      formatUtc(m.start)
    } to ${formatUtc(m.end)} at step ${m.step} s (seed ${m.seed}, ${
      m.planSeed === null ? "canonical plan" : `plan seed ${m.planSeed}`
    }${
      m.nodeVariation > 0 ? `, node variation ±${m.nodeVariation}` : ""
    }, noise ${m.noise} W, sources ${m.sources.join(",")}, naming ${m.naming}${
      m.faults.length > 0 ? `, faults ${m.faults.join(",")}` : ""
    })`,
  );
  const files = [
    written.query,
    written.truth,
    written.openMetrics,
    written.benchmark,
    written.machineSpec,
    written.metadata,
  ].filter((f): f is string => f !== undefined);
  context.out(`Wrote ${files.join(", ")}`);
}

/**
 * The flags of a written node simulation that neither the live exporter
 * nor a VM host simulation models, given or not.
 */
function nodeFileFlags(
  options: OptionValues<typeof OPTIONS>,
): [boolean, string][] {
  return [
    [options.faults !== undefined, "--faults"],
    [options.openmetrics === true, "--openmetrics"],
    [options.idle === true, "--idle"],
    [given(options.benchmark) !== undefined, "--benchmark"],
    [given(options.id) !== undefined, "--id"],
    [options.nodes !== 1, "--nodes"],
    [options.nodeVariation !== 0, "--node-variation"],
  ];
}

function givenFlags(flags: [boolean, string][]): string[] {
  return flags.filter(([on]) => on).map(([, flag]) => flag);
}

/** The flags that shape a plain simulation and mean nothing with `--vms`. */
function vmHostConflicts(options: OptionValues<typeof OPTIONS>): string[] {
  return givenFlags([
    [options.serve !== undefined, "--serve"],
    [options.drift !== undefined, "--drift"],
    ...nodeFileFlags(options),
    [options.containers !== 50, "--containers"],
    [options.naming !== "v0.7.12", "--naming legacy"],
  ]);
}

/**
 * The flags of a written simulation that the live exporter does not model:
 * it serves one node running the stress plan, from now on.
 */
function serveConflicts(options: OptionValues<typeof OPTIONS>): string[] {
  return givenFlags([
    ...nodeFileFlags(options),
    [options.startTime !== undefined, "--start-time"],
  ]);
}

/** The VM host simulation's options from the flags. */
function vmHostOptionsOf(
  options: OptionValues<typeof OPTIONS>,
): VmHostOptions {
  const vmJobName = given(options.vmJobName);
  return {
    vms: options.vms!,
    duration: options.duration,
    step: options.step,
    seed: options.seed,
    noise: options.noise,
    ...(options.sources ? { sources: options.sources } : {}),
    ...(options.startTime !== undefined ? { start: options.startTime } : {}),
    ...(vmJobName === undefined ? {} : { vmJobName }),
    ...(options.vmIdleShare === undefined
      ? {}
      : { idleShare: options.vmIdleShare }),
    ...(options.guestHwCounters === true
      ? { guestHardwareCounters: true }
      : {}),
  };
}

/** Prints what the VM host simulation wrote. */
function printVmHost(
  sim: VmHostSimulation,
  written: WrittenVmHostSimulation,
  context: CliContext,
): void {
  const m = sim.metadata;
  const vms = sim.vms.map((vm) =>
    `${vm.name} ${vm.vcpus} vCPU/${vm.memoryGiB} GiB ${vm.workload}`
  );
  context.out(
    `Simulated host ${m.host} (${sim.spec.cores} threads) running ${sim.vms.length} VMs (${
      vms.join(", ")
    }): ${m.samples} samples from ${formatUtc(m.start)} to ${
      formatUtc(m.end)
    } at step ${m.step} s (seed ${m.seed}, noise ${m.noise} W, sources ${
      m.sources.join(",")
    }, idle shared by ${m.idleShare}, guest job ${m.vmJobName}${
      m.guestHardwareCounters ? ", guests export hardware counters" : ""
    })`,
  );
  context.out(
    `Wrote ${
      [
        written.host,
        ...written.guests,
        written.truth,
        written.hostTruth,
        ...written.machineSpecs,
        written.metadata,
      ].join(", ")
    }`,
  );
}

/** `simulate --vms`: a host running VMs, written under DATAPATH. */
async function runVmHost(
  options: OptionValues<typeof OPTIONS>,
  output: string | undefined,
  context: CliContext,
): Promise<void> {
  const conflicts = vmHostConflicts(options);
  if (conflicts.length > 0) {
    throw new UsageError(
      `${
        conflicts.join(", ")
      } cannot be combined with --vms (a VM host simulation)`,
    );
  }
  if (output === undefined) {
    throw new UsageError("missing required option -o/--output with --vms");
  }
  let sim: VmHostSimulation;
  try {
    sim = simulateVmHost(vmHostOptionsOf(options));
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(error.message, { cause: error });
    }
    throw error;
  }
  const written = await writeVmHostSimulation(
    context.config.dataPath,
    output,
    sim,
  );
  printVmHost(sim, written, context);
}

/** The `simulate` command. */
export const simulate = command({
  ...about("simulate"),
  options: OPTIONS,
  async run(options, context) {
    const simOptions = simulateOptionsOf(options);
    const output = given(options.output);
    if (options.vms !== undefined) {
      await runVmHost(options, output, context);
      return;
    }
    const vmOnly = [
      [given(options.vmJobName) !== undefined, "--vm-job-name"],
      [options.vmIdleShare !== undefined, "--vm-idle-share"],
      [options.guestHwCounters === true, "--guest-hw-counters"],
    ].filter(([on]) => on).map(([, flag]) => flag);
    if (vmOnly.length > 0) {
      throw new UsageError(`${vmOnly.join(", ")} needs --vms`);
    }
    if (options.serve !== undefined) {
      if (output !== undefined) {
        throw new UsageError("--serve and --output exclude each other");
      }
      const conflicts = serveConflicts(options);
      if (conflicts.length > 0) {
        throw new UsageError(
          `${
            conflicts.join(", ")
          } cannot be combined with --serve (the live exporter serves one node running the stress plan, from now on)`,
        );
      }
      await serve(options.serve, simOptions, context, options.drift);
      return;
    }
    if (options.drift !== undefined) {
      throw new UsageError("--drift needs --serve (a live exporter)");
    }
    if (output === undefined) {
      throw new UsageError(
        "missing required option -o/--output (or --serve host:port)",
      );
    }
    const sim = simulateOrUsage(simOptions);
    const benchmark = given(options.benchmark);
    const id = given(options.id);
    const written = await writeSimulation(
      context.config.dataPath,
      output,
      sim,
      {
        openMetrics: options.openmetrics === true,
        ...(benchmark === undefined ? {} : { benchmark }),
        ...(id === undefined ? {} : { machineId: id }),
      },
    );
    printSimulation(sim, written, context);
  },
});
