/**
 * Idle profiles (`profile -i idle`): the power of each component per unit
 * (socket) while the node is idle, per node type, in upstream's format
 * `<pipeline>/profile/<source>.json`:
 *
 * ```json
 * {"package": {"0": {"min_watt": 30.1, "max_watt": 34.2, "#unit": 2}}, ...}
 * ```
 *
 * `min_watt`/`max_watt` are the least and greatest power of one unit over
 * the idle intervals (watts: Δjoules/Δt with the row's own Δt, Σ over
 * modes), `#unit` the number of units (distinct `package` labels; 1 for
 * `platform`). The background power of a node is `(min+max)/2 × #unit`.
 * Upstream divided the watts by the scrape interval a second time (its
 * values are W/s) and counted `#unit` by substring, so `core` matched
 * `uncore_power` too.
 *
 * @module
 */
import { type QueryData, unitPower } from "../extract/mod.ts";
import { exists, readJsonFile, writeJsonFile } from "../io/mod.ts";
import { profileFile } from "../layout.ts";
import {
  type Component,
  COMPONENTS,
  ENERGY_SOURCES,
  type EnergySource,
} from "../types.ts";

/** One profile entry (keys as upstream writes them). */
export interface ProfileEntry {
  /** Least power of one unit while idle, watts. */
  min_watt: number;
  /** Greatest power of one unit while idle, watts. */
  max_watt: number;
  /** Number of units (sockets) of the component. */
  "#unit": number;
}

/** The profile of one energy source: component → node type → entry. */
export type IdleProfile = Partial<
  Record<Component, Record<string, ProfileEntry>>
>;

/** Profiles of several energy sources. */
export type IdleProfiles = Partial<Record<EnergySource, IdleProfile>>;

/** Options of {@linkcode idleProfiles}. */
export interface IdleProfileOptions {
  /**
   * Sources to profile; each must have data.
   *
   * @default {undefined} every source with complete data in the query (others are skipped)
   */
  sources?: readonly EnergySource[];
  /**
   * Node type of the idle query's instances: one number, or per instance
   * name (others 0).
   *
   * @default {0}
   */
  nodeType?: number | Readonly<Record<string, number>>;
  /**
   * The label that identifies a Kepler instance.
   *
   * @default {"instance"}
   */
  instanceLabel?: string;
  /**
   * Prometheus job of VM metrics, which are left out.
   *
   * @default {"vm"}
   */
  vmJobName?: string;
}

/**
 * Builds idle profiles from an idle query. Throws a `RangeError` when no
 * source can be profiled (or a requested source has no data).
 *
 * @param idle The parsed idle query (a node running no workload).
 * @param options The sources to profile, the node type of the instances,
 *   the instance label and the job of VM metrics to leave out.
 * @returns A profile per source profiled: per component and node type, the
 *   least and greatest watts of one unit and the number of units.
 * @throws {RangeError} when no source has complete data, or a requested
 *   source has a missing metric or no complete idle interval.
 *
 * @example
 * ```ts
 * import { idleProfiles } from "./profile.ts";
 * import { parseQuery } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = (mode: string, values: [number, string][]) => ({ metric: { source: "acpi", mode }, values });
 * const idle = parseQuery(JSON.stringify({ kepler_node_platform_joules_total: [
 *   s("idle", [[0, "0"], [3, "300"], [9, "900"]]), s("dynamic", [[0, "0"], [3, "30"], [9, "30"]]),
 * ] }));
 * assertEquals(idleProfiles(idle), { acpi: { platform: { "0": { min_watt: 100, max_watt: 110, "#unit": 1 } } } });
 * ```
 */
export function idleProfiles(
  idle: QueryData,
  options: IdleProfileOptions = {},
): IdleProfiles {
  const explicit = options.sources !== undefined;
  const sources = options.sources ?? ENERGY_SOURCES;
  const nodeTypeOf = (instance: string) => {
    const nt = options.nodeType ?? 0;
    return typeof nt === "number" ? nt : nt[instance] ?? 0;
  };
  const out: IdleProfiles = {};
  const skipped: string[] = [];
  for (const source of sources) {
    let units;
    try {
      units = unitPower(idle, source, {
        instanceLabel: options.instanceLabel ?? "instance",
        vmJobName: options.vmJobName ?? "vm",
      });
    } catch (error) {
      if (explicit || !(error instanceof RangeError)) throw error;
      skipped.push(error.message);
      continue;
    }
    const profile: IdleProfile = {};
    // component → node type → instance → units
    const count = new Map<string, Map<string, Set<string>>>();
    for (const u of units) {
      if (u.watts.length === 0) continue;
      const nt = String(Math.trunc(nodeTypeOf(u.instance)));
      const byType = profile[u.component] ??= {};
      const entry = byType[nt] ??= {
        min_watt: Infinity,
        max_watt: -Infinity,
        "#unit": 0,
      };
      for (const w of u.watts) {
        if (w < entry.min_watt) entry.min_watt = w;
        if (w > entry.max_watt) entry.max_watt = w;
      }
      const key = `${u.component}\u0000${nt}`;
      let perInstance = count.get(key);
      if (perInstance === undefined) {
        perInstance = new Map();
        count.set(key, perInstance);
      }
      let set = perInstance.get(u.instance);
      if (set === undefined) {
        set = new Set();
        perInstance.set(u.instance, set);
      }
      set.add(u.unit);
      entry["#unit"] = Math.max(entry["#unit"], set.size);
    }
    if (Object.keys(profile).length === 0) {
      const why =
        `${source}: no idle interval has every energy counter present`;
      if (explicit) throw new RangeError(`Cannot profile ${why}`);
      skipped.push(why);
      continue;
    }
    out[source] = profile;
  }
  if (Object.keys(out).length === 0) {
    throw new RangeError(
      `Cannot build an idle profile from ${idle.origin}: no energy source has complete data (${
        skipped.join("; ")
      })`,
    );
  }
  return out;
}

/**
 * Background power of a node from a profile: `(min_watt + max_watt) / 2 ×
 * #unit`, or undefined when the profile has no entry for the component and
 * node type.
 *
 * @example
 * ```ts
 * import { backgroundPower } from "./profile.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const profile = { package: { "0": { min_watt: 30, max_watt: 34, "#unit": 2 } } };
 * assertEquals(backgroundPower(profile, "package", 0), 64);
 * assertEquals(backgroundPower(profile, "dram", 0), undefined);
 * ```
 */
export function backgroundPower(
  profile: IdleProfile,
  component: Component,
  nodeType: number,
): number | undefined {
  const entry = profile[component]?.[String(nodeType)];
  if (entry === undefined) return undefined;
  return (entry.min_watt + entry.max_watt) / 2 * entry["#unit"];
}

/**
 * Checks that a parsed JSON value is a profile; throws a `TypeError` naming
 * the origin and the bad key otherwise.
 *
 * @example
 * ```ts
 * import { parseIdleProfile } from "./profile.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseIdleProfile({ platform: { "0": { min_watt: 1, max_watt: 2, "#unit": 1 } } }).platform!["0"]!.max_watt, 2);
 * assertThrows(() => parseIdleProfile({ platform: { "0": { min_watt: "x" } } }, "acpi.json"), TypeError);
 * ```
 */
export function parseIdleProfile(
  value: unknown,
  origin = "profile",
): IdleProfile {
  const bad = (what: string): never => {
    throw new TypeError(`Invalid idle profile ${origin}: ${what}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    bad("expected an object of components");
  }
  const out: IdleProfile = {};
  for (const [component, byType] of Object.entries(value as object)) {
    if (!(COMPONENTS as readonly string[]).includes(component)) {
      bad(`unknown component "${component}"`);
    }
    if (typeof byType !== "object" || byType === null) {
      bad(`component ${component} is not an object of node types`);
    }
    const entries: Record<string, ProfileEntry> = {};
    for (const [nt, entry] of Object.entries(byType as object)) {
      const e = entry as Record<string, unknown>;
      for (const key of ["min_watt", "max_watt", "#unit"]) {
        if (typeof e?.[key] !== "number" || !Number.isFinite(e[key])) {
          bad(
            `${component}.${nt}.${key} is not a number (${
              JSON.stringify(e?.[key])
            })`,
          );
        }
      }
      entries[nt] = {
        min_watt: e.min_watt as number,
        max_watt: e.max_watt as number,
        "#unit": e["#unit"] as number,
      };
    }
    out[component as Component] = entries;
  }
  return out;
}

/**
 * Writes each source's profile to `<pipeline>/profile/<source>.json`
 * (atomically) and returns the paths written.
 *
 * @param pipelineFolder The pipeline folder, e.g. `<models>/std_v0.7.11`;
 *   `profile/` is created in it.
 * @param profiles The profiles to write, by source (a source without one
 *   is not written).
 * @returns The files written, in the order of the energy sources.
 *
 * @example
 * ```ts
 * import { readIdleProfiles, writeIdleProfiles } from "./profile.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const profiles = { acpi: { platform: { "0": { min_watt: 100, max_watt: 110, "#unit": 1 } } } };
 * const paths = await writeIdleProfiles(dir, profiles);
 * assertEquals(paths, [`${dir}/profile/acpi.json`]);
 * assertEquals(await readIdleProfiles(dir), profiles);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeIdleProfiles(
  pipelineFolder: string,
  profiles: IdleProfiles,
): Promise<string[]> {
  const paths: string[] = [];
  for (const source of ENERGY_SOURCES) {
    const profile = profiles[source];
    if (profile === undefined) continue;
    const path = profileFile(pipelineFolder, source);
    await writeJsonFile(path, profile, { indent: 0 });
    paths.push(path);
  }
  return paths;
}

/**
 * Reads the profiles present in `<pipeline>/profile/` (sources without a
 * file are left out); a malformed file is a `TypeError` naming it.
 *
 * @param pipelineFolder The pipeline folder whose `profile/` is read.
 * @param sources The sources to look for (every energy source by default).
 * @returns The profiles found, by source (empty when there is none).
 * @throws {SyntaxError} when a profile file is not JSON.
 * @throws {TypeError} when a profile file is JSON but not a profile.
 *
 * @example
 * ```ts
 * import { readIdleProfiles } from "./profile.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/profile`);
 * await Deno.writeTextFile(`${dir}/profile/acpi.json`, '{"platform": {"0": {"min_watt": 90, "max_watt": 96, "#unit": 1}}}');
 * assertEquals(await readIdleProfiles(dir), { acpi: { platform: { "0": { min_watt: 90, max_watt: 96, "#unit": 1 } } } });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readIdleProfiles(
  pipelineFolder: string,
  sources: readonly EnergySource[] = ENERGY_SOURCES,
): Promise<IdleProfiles> {
  const out: IdleProfiles = {};
  for (const source of sources) {
    const path = profileFile(pipelineFolder, source);
    if (!(await exists(path))) continue;
    out[source] = parseIdleProfile(await readJsonFile(path), path);
  }
  return out;
}
