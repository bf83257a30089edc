/**
 * The machine spec that `query --id` writes to
 * `$DATAPATH/machine_spec/<id>.json` in upstream's format
 * (`{"attrs": {processor, cores, chips, memory, frequency}, "members": []}`),
 * discovered from the machine running the command (as upstream's
 * `generate_spec`) or from Kepler's own metrics in a query result.
 *
 * @module
 */
import { readJsonFile, writeFileAtomic } from "../io/mod.ts";
import {
  type MachineSpec,
  NODE_ATTRIBUTES,
  NODE_INFO_METRIC,
  powerMetric,
  resolveMetricAlias,
} from "../types.ts";
import type { PromSeries, QueryResult } from "./format.ts";
import type { CompactResult, CompactSeries } from "./compact_series.ts";
import { machineGaps, probeCpufreq, probeText } from "./_machine_probe.ts";
import { formatPythonJson } from "./python_json.ts";

/** Upstream's machine spec file: the spec's attributes and member ids. */
export interface MachineSpecDocument {
  /** The five node attributes, in upstream's order. */
  attrs: MachineSpec;
  /** Machine ids of this node type; empty for a single machine. */
  members: string[];
}

/**
 * Normalises a CPU model name as Kepler's `GenerateSpec` and upstream's
 * `format_processor` do: drops `(R)`, `(TM)` and other parenthesised text,
 * `CPU`, `Processor`, `@`, `®`, commas and the `N.NNGHz` part; lower-cases;
 * joins words with `_`; turns `-` into `_` and `_v` into `v`.
 *
 * @example
 * ```ts
 * import { normalizeProcessorName } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(normalizeProcessorName("Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"), "intel_xeon_platinum_8259cl");
 * assertEquals(normalizeProcessorName("Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz"), "intel_xeon_e5_2686v4");
 * assertEquals(normalizeProcessorName("Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"), "intel_core_i7_8650u");
 * assertEquals(normalizeProcessorName("AMD EPYC 7R13 Processor"), "amd_epyc_7r13");
 * ```
 */
export function normalizeProcessorName(name: string): string {
  const cleaned = name
    .replace(/\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\bCPU\b/g, " ")
    .replace(/\b[Pp]rocessor\b/g, " ")
    .replace(/\d+-Bit Multi-Core/g, " ")
    .replace(/[@®,]/g, " ")
    .replace(/\d+(\.\d+)?\s?[GgMm][Hh]z/g, " ");
  return cleaned.trim().split(/\s+/).filter((w) => w !== "").join("_")
    .replaceAll("-", "_").toLowerCase().replaceAll("_v", "v");
}

/** Python's `round()`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (Math.abs(diff - 0.5) < 1e-9) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(x);
}

/**
 * Frequency in MHz rounded to 100, as upstream (`round(mhz / 100) * 100`,
 * Python's round-half-to-even).
 *
 * @example
 * ```ts
 * import { roundFrequency } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([roundFrequency(2096.013), roundFrequency(3499.9), roundFrequency(2050)], [2100, 3500, 2000]);
 * ```
 */
export function roundFrequency(mhz: number): number {
  return roundHalfEven(mhz / 100) * 100;
}

/** What `/proc/cpuinfo` says about the CPUs. */
export interface CpuInfo {
  /** The first `model name` (x86) or `Model`/`Hardware` line, or "". */
  modelName: string;
  /** Number of `processor` entries (logical CPUs). */
  logicalCpus: number;
  /** Distinct `physical id` values, at least 1. */
  chips: number;
  /** Largest `cpu MHz`, or 0. */
  maxMhz: number;
}

/**
 * Parses the text of `/proc/cpuinfo`.
 *
 * @example
 * ```ts
 * import { parseCpuinfo } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const text = "processor\t: 0\nmodel name\t: AMD EPYC\nphysical id\t: 0\ncpu MHz\t\t: 2096.013\n\n" +
 *   "processor\t: 1\nmodel name\t: AMD EPYC\nphysical id\t: 1\ncpu MHz\t\t: 2000\n";
 * assertEquals(parseCpuinfo(text), { modelName: "AMD EPYC", logicalCpus: 2, chips: 2, maxMhz: 2096.013 });
 * ```
 */
export function parseCpuinfo(text: string): CpuInfo {
  let modelName = "";
  let fallbackName = "";
  let logicalCpus = 0;
  let maxMhz = 0;
  const physicalIds = new Set<string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === "processor") logicalCpus++;
    else if (key === "model name" && modelName === "") modelName = value;
    else if ((key === "Model" || key === "Hardware") && fallbackName === "") {
      fallbackName = value;
    } else if (key === "physical id") physicalIds.add(value);
    else if (key === "cpu MHz") {
      const mhz = Number(value);
      if (Number.isFinite(mhz) && mhz > maxMhz) maxMhz = mhz;
    }
  }
  return {
    modelName: modelName || fallbackName,
    logicalCpus,
    chips: Math.max(1, physicalIds.size),
    maxMhz,
  };
}

/** Options of {@linkcode discoverMachineSpec}; each defaults to this machine. */
export interface DiscoverMachineSpecOptions {
  /**
   * Text of `/proc/cpuinfo`.
   *
   * @default {undefined} read from the file
   */
  cpuinfo?: string;
  /**
   * Total memory in bytes.
   *
   * @default {undefined} `/proc/meminfo` MemTotal, else `Deno.systemMemoryInfo()`
   */
  memoryBytes?: number;
  /**
   * Maximum CPU frequency in MHz.
   *
   * @default {undefined} cpufreq's `cpuinfo_max_freq`, else 0
   */
  maxFrequencyMhz?: number;
}

async function memoryBytes(): Promise<{ bytes: number; why?: string }> {
  const meminfo = await probeText("/proc/meminfo");
  const match = meminfo.text === undefined
    ? null
    : /^MemTotal:\s+(\d+)\s*kB/m.exec(meminfo.text);
  if (match?.[1] !== undefined) return { bytes: Number(match[1]) * 1024 };
  try {
    return { bytes: Deno.systemMemoryInfo().total };
  } catch {
    return {
      bytes: -1,
      why: `/proc/meminfo ${
        meminfo.why === "denied"
          ? "is readable only with --allow-all"
          : "has no MemTotal"
      } and Deno.systemMemoryInfo() needs --allow-sys=systemMemoryInfo`,
    };
  }
}

/**
 * CPU facts when `/proc/cpuinfo` cannot be read (Deno wants --allow-all for
 * /proc): `node:os` cpus() with --allow-sys=cpus; physical packages are then
 * unknown and counted as 1, upstream's lower bound.
 */
async function osCpuInfo(): Promise<CpuInfo | undefined> {
  try {
    const os = await import("node:os");
    const cpus = os.cpus();
    if (cpus.length === 0) return undefined;
    return {
      modelName: cpus[0]?.model ?? "",
      logicalCpus: cpus.length,
      chips: 1,
      maxMhz: Math.max(0, ...cpus.map((c) => c.speed || 0)),
    };
  } catch {
    return undefined;
  }
}

const GIB = 1024 ** 3;

/**
 * Discovers the spec of the machine running this code, as upstream's
 * `generate_spec`: normalised processor name, logical CPUs, distinct
 * physical packages, memory in whole GiB, and `max(max, current)` frequency
 * in MHz rounded to 100. Unknown numbers are -1, an unknown processor "".
 *
 * Permissions: Deno reads `/proc` and `/sys` only with `--allow-all`; so
 * with `--allow-sys=systemMemoryInfo,cpus` (as `deno task query` grants) the
 * facts come from `Deno.systemMemoryInfo()` and `node:os` instead, with the
 * socket count 1; with neither, only the core count is known.
 *
 * @param options Facts to use instead of reading them (the text of
 *   `/proc/cpuinfo`, memory, maximum frequency); empty reads them all from
 *   this machine.
 * @returns The spec: processor name, logical CPUs, sockets, memory in GiB
 *   and frequency in MHz, -1 (or "" for the processor) where unknown.
 *
 * @example
 * ```ts
 * import { discoverMachineSpec } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const spec = await discoverMachineSpec({
 *   cpuinfo: "processor : 0\nmodel name : Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz\nphysical id : 0\ncpu MHz : 3499.9\n",
 *   memoryBytes: 377.5 * 1024 ** 3,
 *   maxFrequencyMhz: 0,
 * });
 * assertEquals(spec, { processor: "intel_xeon_platinum_8259cl", cores: 1, chips: 1, memory: 377, frequency: 3500 });
 * ```
 */
export async function discoverMachineSpec(
  options: DiscoverMachineSpecOptions = {},
): Promise<MachineSpec> {
  return (await inspectMachine(options)).spec;
}

/** What {@linkcode inspectMachine} found. */
export interface MachineInspection {
  /** The spec, as {@linkcode discoverMachineSpec} returns it. */
  spec: MachineSpec;
  /**
   * Whether `/proc/cpuinfo` was read. When it was not (Deno reads `/proc`
   * and `/sys` only with `--allow-all`), `chips` is an assumed 1 and the
   * frequency comes from `node:os` (0, so -1, on many VMs).
   */
  cpuinfoRead: boolean;
  /**
   * What is unknown or assumed, and why (e.g. `frequency unknown (no
   * cpufreq on this machine ...)`); empty when the spec is complete.
   */
  gaps: string[];
}

/**
 * {@linkcode discoverMachineSpec}, also saying whether `/proc/cpuinfo` could
 * be read (else the socket count is assumed, not known).
 *
 * @example
 * ```ts
 * import { inspectMachine } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const found = await inspectMachine({ cpuinfo: "processor : 0\nmodel name : AMD EPYC 7R13 Processor\n",
 *   memoryBytes: 64 * 1024 ** 3, maxFrequencyMhz: 3600 });
 * assertEquals(found.spec, { processor: "amd_epyc_7r13", cores: 1, chips: 1, memory: 64, frequency: 3600 });
 * assertEquals(found.cpuinfoRead, true);
 * assertEquals(found.gaps, ['chips assumed 1 (/proc/cpuinfo has no "physical id": a VM or an ARM machine?)']);
 * ```
 */
export async function inspectMachine(
  options: DiscoverMachineSpecOptions = {},
): Promise<MachineInspection> {
  const cpuinfo = options.cpuinfo === undefined
    ? await probeText("/proc/cpuinfo")
    : { text: options.cpuinfo };
  const text = cpuinfo.text;
  const os = text === undefined ? await osCpuInfo() : undefined;
  const info = text === undefined ? os ?? parseCpuinfo("") : parseCpuinfo(text);
  const cores = info.logicalCpus > 0
    ? info.logicalCpus
    : navigator.hardwareConcurrency ?? -1;
  const memory = options.memoryBytes === undefined
    ? await memoryBytes()
    : { bytes: options.memoryBytes };
  const bytes = memory.bytes;
  const cpufreq = options.maxFrequencyMhz === undefined
    ? await probeCpufreq()
    : { mhz: options.maxFrequencyMhz, why: "given" as const };
  const maxMhz = Math.max(cpufreq.mhz, info.maxMhz);
  return {
    spec: {
      processor: normalizeProcessorName(info.modelName),
      cores,
      chips: info.chips,
      memory: bytes > 0 ? Math.floor(bytes / GIB) : -1,
      frequency: maxMhz > 0 ? roundFrequency(maxMhz) : -1,
    },
    cpuinfoRead: text !== undefined,
    gaps: machineGaps({
      cpuinfo,
      osCpus: os !== undefined,
      modelName: info.modelName,
      logicalCpus: info.logicalCpus,
      memory,
      frequency: {
        mhz: maxMhz,
        ...(cpufreq.why === undefined ? {} : { cpufreq: cpufreq.why }),
      },
    }),
  };
}

/**
 * A spec from Kepler's metrics in a query result, for data collected on
 * another machine: processor from `kepler_node_info`'s `cpu_architecture`
 * (or a `cpu_model`/`processor` label when present), cores from the distinct
 * `cpu` labels of `kepler_node_cpu_scaling_frequency_hertz`, chips from the
 * distinct `package` labels of `kepler_node_package_joules_total`, frequency
 * from the largest scaling frequency (Kepler exports sysfs' kHz values under
 * that `_hertz` name; values ≥ 1e8 are read as Hz); memory is not exported (-1). Only
 * series of `instance` (default: the first node-info series' instance) count.
 * Throws a `RangeError` when the result has no `kepler_node_info`.
 *
 * @example
 * ```ts
 * import { machineSpecFromQuery } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = (metric: Record<string, string>, v = "1") => ({ metric, values: [[1, v]] as [number, string][] });
 * const spec = machineSpecFromQuery({
 *   kepler_node_info: [s({ cpu_architecture: "Broadwell", instance: "n1" })],
 *   kepler_node_package_joules_total: [s({ package: "0", instance: "n1" }), s({ package: "1", instance: "n1" })],
 * });
 * assertEquals(spec, { processor: "broadwell", cores: -1, chips: 2, memory: -1, frequency: -1 });
 * ```
 */
export function machineSpecFromQuery(
  result: QueryResult | CompactResult,
  options: { instance?: string } = {},
): MachineSpec {
  const entries: [string, readonly (PromSeries | CompactSeries)[]][] = Object
    .entries(result);
  const find = (name: string): SpecSeries[] =>
    entries.filter(([k]) => resolveMetricAlias(k).name === name)
      .flatMap(([, v]) => v).map((s) => ({
        labels: s.metric,
        values: s.values instanceof Float64Array
          ? s.values
          : s.values.map(([, v]) => Number(v)),
      }));
  return machineSpecFromSeries(find, options);
}

/** One series as {@linkcode machineSpecFromSeries} reads it. */
export interface SpecSeries {
  /** The series' labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The sample values. */
  readonly values: ArrayLike<number>;
}

/**
 * The rule of {@linkcode machineSpecFromQuery} over any form of series:
 * `find(name)` gives the series of a metric (by its current name), so the
 * query stage's result and the extract stage's data share it.
 *
 * @param find The series of a metric name.
 * @param options `instance`: whose series count. Default: the first
 *   node-info series' instance.
 * @returns The machine spec.
 * @throws {RangeError} When there is no `kepler_node_info` series.
 *
 * @example
 * ```ts
 * import { machineSpecFromSeries } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const series = (name: string) => name === "kepler_node_info" ? [{ labels: { cpu_architecture: "Broadwell" }, values: [1] }] : [];
 * assertEquals(machineSpecFromSeries(series), { processor: "broadwell", cores: -1, chips: -1, memory: -1, frequency: -1 });
 * ```
 */
export function machineSpecFromSeries(
  find: (name: string) => readonly SpecSeries[],
  options: { instance?: string } = {},
): MachineSpec {
  const infos = find(NODE_INFO_METRIC);
  const first = infos[0];
  if (first === undefined) {
    throw new RangeError(
      `Cannot build a machine spec from the query: it has no ${NODE_INFO_METRIC} series`,
    );
  }
  const instance = options.instance ?? first.labels.instance;
  const mine = (xs: readonly SpecSeries[]) =>
    instance === undefined
      ? xs
      : xs.filter((x) => x.labels.instance === instance);
  const info = mine(infos)[0] ?? first;
  const label = info.labels.cpu_model ?? info.labels.processor ??
    info.labels.cpu_architecture ?? "";
  const freq = mine(find("kepler_node_cpu_scaling_frequency_hertz"));
  const cpus = new Set(
    freq.map((s) => s.labels.cpu).filter((c) => c !== undefined),
  );
  let maxHz = 0;
  for (const s of freq) {
    for (let i = 0; i < s.values.length; i++) {
      maxHz = Math.max(maxHz, s.values[i]! || 0);
    }
  }
  const packages = new Set(
    mine(find(powerMetric("package"))).map((s) => s.labels.package)
      .filter((p) => p !== undefined),
  );
  return {
    processor: normalizeProcessorName(label),
    cores: cpus.size > 0 ? cpus.size : -1,
    chips: packages.size > 0 ? packages.size : -1,
    memory: -1,
    // Kepler exports sysfs' scaling_cur_freq, which is in kHz despite the
    // metric name; a value of at least 1e8 can only be Hz.
    frequency: maxHz > 0
      ? roundFrequency(maxHz >= 1e8 ? maxHz / 1e6 : maxHz / 1e3)
      : -1,
  };
}

/**
 * Reads a machine spec file: upstream's `{"attrs": {...}, "members": [...]}`
 * or the flat form of the estimator's `--machine-spec`. Throws a
 * `Deno.errors.NotFound` for a missing file, a `SyntaxError` for bad JSON
 * and a `TypeError` naming the file for a missing or mistyped attribute.
 * With `partial: true` (the estimator's `--machine-spec`), missing or null
 * attributes are left out instead.
 *
 * @param path The file.
 * @param options `partial`: accept a spec with some attributes. Default: false.
 * @returns The spec.
 * @throws {TypeError} For a missing (unless partial) or mistyped attribute.
 * @throws {Deno.errors.NotFound} when the file does not exist.
 * @throws {SyntaxError} when the file is not JSON.
 *
 * @example
 * ```ts
 * import { readMachineSpecFile, writeMachineSpec } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const spec = { processor: "amd_epyc_7r13", cores: 8, chips: 1, memory: 32, frequency: 3600 };
 * await writeMachineSpec(`${dir}/m1.json`, spec);
 * assertEquals(await readMachineSpecFile(`${dir}/m1.json`), spec);
 * await Deno.writeTextFile(`${dir}/p.json`, '{"attrs": {"processor": "p", "cores": 8, "chips": null}, "members": []}');
 * assertEquals(await readMachineSpecFile(`${dir}/p.json`, { partial: true }), { processor: "p", cores: 8 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readMachineSpecFile(path: string): Promise<MachineSpec>;
/**
 * Reads a machine spec file that may lack attributes (serve's
 * `--machine-spec`): the attributes it has, type-checked.
 *
 * @param path The file, upstream's `{"attrs": {...}, "members": [...]}` or
 *   the flat attributes.
 * @param options `partial: true`: missing or null attributes are left out.
 * @returns The attributes present in the file; empty when it has none.
 * @throws {TypeError} when an attribute present has the wrong type.
 * @throws {Deno.errors.NotFound} when the file does not exist.
 * @throws {SyntaxError} when the file is not JSON.
 */
export async function readMachineSpecFile(
  path: string,
  options: { partial: true },
): Promise<Partial<MachineSpec>>;
export async function readMachineSpecFile(
  path: string,
  options: { partial?: boolean } = {},
): Promise<Partial<MachineSpec>> {
  const doc = await readJsonFile<unknown>(path);
  const root = typeof doc === "object" && doc !== null
    ? doc as Record<string, unknown>
    : {};
  const attrs = typeof root.attrs === "object" && root.attrs !== null
    ? root.attrs as Record<string, unknown>
    : root;
  const spec: Record<string, unknown> = {};
  for (const a of NODE_ATTRIBUTES) {
    const v = attrs[a];
    if (options.partial && (v === undefined || v === null)) continue;
    const ok = a === "processor"
      ? typeof v === "string"
      : typeof v === "number";
    if (!ok) {
      throw new TypeError(
        `Invalid machine spec ${path}: attribute ${a} is ${
          v === undefined ? "missing" : JSON.stringify(v)
        }`,
      );
    }
    spec[a] = v;
  }
  return spec as Partial<MachineSpec>;
}

/**
 * Writes a machine spec file atomically in upstream's format and bytes
 * (`json.dump` of `{"attrs": {...}, "members": [...]}`).
 *
 * @example
 * ```ts
 * import { writeMachineSpec } from "./machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeMachineSpec(`${dir}/machine_spec/m1.json`,
 *   { processor: "intel_xeon_platinum_8259cl", cores: 96, chips: 2, memory: 377, frequency: 3500 });
 * assertEquals(await Deno.readTextFile(`${dir}/machine_spec/m1.json`),
 *   '{"attrs": {"processor": "intel_xeon_platinum_8259cl", "cores": 96, "chips": 2, "memory": 377, "frequency": 3500}, "members": []}');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeMachineSpec(
  path: string,
  spec: MachineSpec,
  options: { members?: readonly string[] } = {},
): Promise<void> {
  const document: MachineSpecDocument = {
    attrs: {
      processor: spec.processor,
      cores: spec.cores,
      chips: spec.chips,
      memory: spec.memory,
      frequency: spec.frequency,
    },
    members: [...(options.members ?? [])],
  };
  await writeFileAtomic(path, formatPythonJson(document));
}
