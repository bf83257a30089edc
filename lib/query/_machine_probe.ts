/**
 * Reading the machine's `/proc` and `/sys` files and saying why a fact is
 * missing (private to lib/query): the file is absent on this machine (e.g.
 * no cpufreq on a VM), Deno denied it (`/proc` and `/sys` need
 * `--allow-all`), or it could not be read.
 *
 * @module
 */

/** A file's text, or why there is none. */
export type Probe =
  | { text: string; why?: undefined }
  | { text?: undefined; why: "denied" | "absent" | "unreadable" };

/** Reads a text file, telling a denied permission from a missing file. */
export async function probeText(path: string): Promise<Probe> {
  try {
    return { text: await Deno.readTextFile(path) };
  } catch (error) {
    if (
      error instanceof Deno.errors.NotCapable ||
      error instanceof Deno.errors.PermissionDenied
    ) return { why: "denied" };
    if (error instanceof Deno.errors.NotFound) return { why: "absent" };
    return { why: "unreadable" };
  }
}

/** Where cpufreq keeps the largest frequency, in kHz. */
const CPUFREQ = [
  "/sys/devices/system/cpu/cpufreq/policy0/cpuinfo_max_freq",
  "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
];

/** cpufreq's largest frequency in MHz, or why it is unknown. */
export async function probeCpufreq(): Promise<
  { mhz: number; why?: Probe["why"] }
> {
  let why: Probe["why"] = "absent";
  for (const path of CPUFREQ) {
    const probe = await probeText(path);
    const khz = probe.text === undefined ? NaN : Number(probe.text.trim());
    if (Number.isFinite(khz) && khz > 0) return { mhz: khz / 1000 };
    if (probe.why === "denied") why = "denied";
    else if (probe.why === "unreadable" && why === "absent") why = "unreadable";
  }
  return { mhz: 0, why };
}

/** What was found out and how, for {@linkcode machineGaps}. */
export interface GapFacts {
  /** `/proc/cpuinfo`'s text, or why not. */
  cpuinfo: Probe;
  /** node:os `cpus()` answered (needs --allow-sys=cpus). */
  osCpus: boolean;
  /** The CPU model name found ("" when none). */
  modelName: string;
  /** Logical CPUs found (0 when none). */
  logicalCpus: number;
  /** Memory found, in bytes (≤ 0 when none), and why not. */
  memory: { bytes: number; why?: string };
  /** Frequency found, in MHz (0 when none), and why cpufreq had none. */
  frequency: { mhz: number; cpufreq?: Probe["why"] | "given" };
}

const DENIED = "which Deno reads only with --allow-all";

function frequencyGap(facts: GapFacts): string {
  const cpufreq = facts.frequency.cpufreq;
  const where = cpufreq === "absent"
    ? "no cpufreq on this machine (/sys/devices/system/cpu/cpu0/cpufreq is missing: a VM or a container?)"
    : cpufreq === "denied"
    ? `cpufreq (/sys/devices/system/cpu/cpu0/cpufreq) is not readable, ${DENIED}`
    : "cpufreq cannot be read";
  const fallback = facts.cpuinfo.text !== undefined
    ? '/proc/cpuinfo has no "cpu MHz"'
    : facts.osCpus
    ? "node:os reports a clock speed of 0 (usual on a VM)"
    : "node:os cpus() needs --allow-sys=cpus";
  return `frequency unknown (${where}; ${fallback})`;
}

/**
 * What is really missing from a spec found on this machine, and why: one
 * phrase per unknown or assumed attribute.
 *
 * @example
 * ```ts
 * import { machineGaps } from "./_machine_probe.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const gaps = machineGaps({ cpuinfo: { text: "processor : 0\nmodel name : X\n" }, osCpus: false,
 *   modelName: "X", logicalCpus: 1, memory: { bytes: 1 }, frequency: { mhz: 0, cpufreq: "absent" } });
 * assertEquals(gaps, [
 *   'chips assumed 1 (/proc/cpuinfo has no "physical id": a VM or an ARM machine?)',
 *   'frequency unknown (no cpufreq on this machine (/sys/devices/system/cpu/cpu0/cpufreq is missing: a VM or a container?); /proc/cpuinfo has no "cpu MHz")',
 * ]);
 * ```
 */
export function machineGaps(facts: GapFacts): string[] {
  const gaps: string[] = [];
  const cpuinfoRead = facts.cpuinfo.text !== undefined;
  const cpuinfoWhy = facts.cpuinfo.why === "denied"
    ? `/proc/cpuinfo is not readable, ${DENIED}`
    : facts.cpuinfo.why === "absent"
    ? "there is no /proc/cpuinfo"
    : "/proc/cpuinfo cannot be read";
  if (facts.modelName === "") {
    gaps.push(
      cpuinfoRead
        ? "processor unknown (/proc/cpuinfo names no CPU model)"
        : `processor unknown (${cpuinfoWhy}; ${
          facts.osCpus
            ? "node:os names no CPU model"
            : "node:os cpus() needs --allow-sys=cpus"
        })`,
    );
  }
  if (facts.logicalCpus <= 0 && !cpuinfoRead && !facts.osCpus) {
    gaps.push("cores taken from navigator.hardwareConcurrency");
  }
  if (!cpuinfoRead) {
    gaps.push(
      `chips assumed 1 (the socket count comes from /proc/cpuinfo: ${cpuinfoWhy})`,
    );
  } else if (!/^physical id\s*:/m.test(facts.cpuinfo.text ?? "")) {
    gaps.push(
      'chips assumed 1 (/proc/cpuinfo has no "physical id": a VM or an ARM machine?)',
    );
  }
  if (facts.memory.bytes <= 0) {
    gaps.push(`memory unknown (${facts.memory.why ?? "not reported"})`);
  }
  if (facts.frequency.mhz <= 0) gaps.push(frequencyGap(facts));
  return gaps;
}
