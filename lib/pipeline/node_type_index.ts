/**
 * Node types: the groups of machines a pipeline trains separately
 * (`node_type_index.json`, `{"<n>": {"attrs": spec, "members": [ids]}}`),
 * and the similarity of machine specs used to pick a node type for a
 * machine that is not in the index.
 *
 * Similarity follows upstream (`util/similarity.py`): weights processor 5,
 * cores 1, chips 1, memory 0.5, frequency 0.5, normalised by their sum (8);
 * processors score 1 when equal (case-insensitive) and otherwise half the
 * Jaccard similarity of their character sets; numbers score
 * `1 − |a−b| / ((a+b)/2)`, floored at 0. Attributes unknown on either side
 * (`-1`, empty or absent) are left out of the score. Unlike upstream, node
 * types are compared as numbers (upstream's `"_1" in name` also matched 10).
 *
 * @module
 */
import { readJsonFile } from "../io/json.ts";
import { exists } from "../io/read.ts";
import {
  type MachineSpec,
  NODE_ATTRIBUTES,
  type NodeAttribute,
} from "../types.ts";

/** One node type of an index. */
export interface NodeTypeEntry {
  /** The spec all members share. */
  attrs: MachineSpec;
  /** Machine ids (`--id`) indexed into this node type. */
  members: string[];
}

/** A node type index, keyed by node type number (as a string, as in JSON). */
export type NodeTypeIndex = Record<string, NodeTypeEntry>;

/** Attribute weights of the similarity score (upstream's). */
export const SIMILARITY_WEIGHTS: Readonly<Record<NodeAttribute, number>> = {
  processor: 5,
  cores: 1,
  chips: 1,
  memory: 0.5,
  frequency: 0.5,
};

function known(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "" && v !== -1 && v !== "-1";
}

/**
 * Jaccard similarity of the character sets of two strings.
 *
 * @example
 * ```ts
 * import { jaccard } from "./node_type_index.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(jaccard("abcd", "abcdefgh"), 0.5);
 * ```
 */
export function jaccard(a: string, b: string): number {
  const sa = new Set(a), sb = new Set(b);
  const union = new Set([...sa, ...sb]).size;
  if (union === 0) return 1;
  let inter = 0;
  for (const c of sa) if (sb.has(c)) inter++;
  return inter / union;
}

/**
 * Similarity of two specs in [0, 1] over the attributes both know; 0 when
 * they share no known attribute.
 *
 * @param a One machine spec; attributes that are `-1`, empty or absent
 *   count as unknown.
 * @param b The other machine spec.
 * @returns The weighted mean of the attribute scores (1 when every
 *   attribute both know is equal), or 0 when no attribute is known to both.
 *
 * @example
 * ```ts
 * import { specSimilarity } from "./node_type_index.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = { processor: "x", cores: 8, chips: 1, memory: 32, frequency: 3000 };
 * assertEquals(specSimilarity(a, a), 1);
 * assertEquals(specSimilarity(a, { ...a, cores: 24 }), 7 / 8);
 * ```
 */
export function specSimilarity(
  a: Partial<MachineSpec>,
  b: Partial<MachineSpec>,
): number {
  let score = 0, total = 0;
  for (const attr of NODE_ATTRIBUTES) {
    const va = a[attr], vb = b[attr];
    if (!known(va) || !known(vb)) continue;
    const w = SIMILARITY_WEIGHTS[attr];
    total += w;
    if (attr === "processor") {
      const pa = String(va).toLowerCase(), pb = String(vb).toLowerCase();
      score += w * (pa === pb ? 1 : 0.5 * jaccard(pa, pb));
    } else {
      const na = Number(va), nb = Number(vb);
      const mean = (na + nb) / 2;
      score += w *
        (mean === 0
          ? (na === nb ? 1 : 0)
          : Math.max(0, 1 - Math.abs(na - nb) / mean));
    }
  }
  return total === 0 ? 0 : score / total;
}

/**
 * Whether `spec` matches `request` on every attribute the request knows
 * (strings case-insensitively, numbers exactly).
 */
export function specCovers(
  spec: Partial<MachineSpec>,
  request: Partial<MachineSpec>,
): boolean {
  for (const attr of NODE_ATTRIBUTES) {
    const want = request[attr];
    if (!known(want)) continue;
    const have = spec[attr];
    if (!known(have)) return false;
    if (attr === "processor") {
      if (String(have).toLowerCase() !== String(want).toLowerCase()) {
        return false;
      }
    } else if (Number(have) !== Number(want)) return false;
  }
  return true;
}

/** How {@linkcode closestBySpec} matched. */
export type SpecMatch = "covers" | "similar" | "largest";

/** What {@linkcode closestBySpec} found. */
export interface ClosestBySpec<T> {
  /** The items matched (all tied ones, in input order). */
  items: T[];
  /** `covers`, `similar` or `largest` (see the function). */
  match: SpecMatch;
  /** Their similarity to the spec (1 when covering, 0 for `largest`). */
  similarity: number;
}

/** Options of {@linkcode closestBySpec}. */
export interface ClosestBySpecOptions {
  /**
   * Try the items whose spec covers the request first.
   *
   * @default {true}
   */
  covers?: boolean;
}

/**
 * The items (models, node types) whose machine spec is closest to `spec`,
 * as `serve` picks a node type for a machine (upstream's selection, its
 * node types compared as numbers): those whose spec covers the request's
 * known attributes; else those of the top spec similarity (ties within
 * 1e-12 all kept, for the caller to rank); else upstream's fallback, those
 * with the most cores. `serve` and `estimate --vm` both choose this way.
 *
 * @param items The candidates.
 * @param attrsOf The spec of an item, when known.
 * @param spec The requesting machine's spec.
 * @param options Whether covering items come first.
 * @returns The tied closest items and how they matched, or undefined when
 *   no item has a spec with cores.
 *
 * @example
 * ```ts
 * import { closestBySpec } from "./node_type_index.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sizes = [{ cores: 2, memory: 8 }, { cores: 4, memory: 16 }, { cores: 8, memory: 32 }];
 * assertEquals(closestBySpec(sizes, (s) => s, { cores: 4, memory: 16 })?.match, "covers");
 * const six = closestBySpec(sizes, (s) => s, { cores: 6, memory: 24 })!;
 * assertEquals([six.items, six.match, six.similarity.toFixed(3)], [[{ cores: 8, memory: 32 }], "similar", "0.714"]);
 * ```
 */
export function closestBySpec<T>(
  items: readonly T[],
  attrsOf: (item: T) => Partial<MachineSpec> | undefined,
  spec: Partial<MachineSpec>,
  options: ClosestBySpecOptions = {},
): ClosestBySpec<T> | undefined {
  if (options.covers ?? true) {
    const covering = items.filter((m) => {
      const a = attrsOf(m);
      return a !== undefined && specCovers(a, spec);
    });
    if (covering.length > 0) {
      return { items: covering, match: "covers", similarity: 1 };
    }
  }
  let top = 0;
  const scored = items.map((m) => {
    const a = attrsOf(m);
    const s = a === undefined ? 0 : specSimilarity(a, spec);
    if (s > top) top = s;
    return [m, s] as const;
  });
  if (top > 0) {
    return {
      items: scored.filter(([, s]) => s >= top - 1e-12).map(([m]) => m),
      match: "similar",
      similarity: top,
    };
  }
  // upstream's get_largest_candidates: the node type with the most cores
  let most = 0;
  for (const m of items) {
    const cores = Number(attrsOf(m)?.cores ?? 0);
    if (cores > most) most = cores;
  }
  if (most === 0) return undefined;
  return {
    items: items.filter((m) => Number(attrsOf(m)?.cores ?? 0) === most),
    match: "largest",
    similarity: 0,
  };
}

/** Node types of an index as numbers, ascending. */
export function nodeTypes(index: NodeTypeIndex): number[] {
  return Object.keys(index).map(Number).filter(Number.isInteger).sort((a, b) =>
    a - b
  );
}

/** A match of a spec against an index. */
export interface NodeTypeMatch {
  /** The node type. */
  nodeType: number;
  /** Similarity in [0, 1] (1 for an exact match). */
  similarity: number;
  /** Whether every known attribute of the request matched. */
  exact: boolean;
}

/**
 * The node type of the index most similar to `spec`, or undefined for an
 * empty index. An exact match (all known attributes equal) wins; ties go to
 * the lower node type.
 *
 * @param index The pipeline's node type index.
 * @param spec The machine spec to place; only its known attributes count.
 * @returns The chosen node type, its similarity and whether it matched
 *   exactly, or undefined when the index is empty.
 *
 * @example
 * ```ts
 * import { findNodeType } from "./node_type_index.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const index = {
 *   "1": { attrs: { processor: "a", cores: 8, chips: 1, memory: 16, frequency: 2000 }, members: [] },
 *   "10": { attrs: { processor: "a", cores: 96, chips: 2, memory: 377, frequency: 3500 }, members: [] },
 * };
 * assertEquals(findNodeType(index, { cores: 96 })?.nodeType, 10);
 * ```
 */
export function findNodeType(
  index: NodeTypeIndex,
  spec: Partial<MachineSpec>,
): NodeTypeMatch | undefined {
  let best: NodeTypeMatch | undefined;
  for (const nodeType of nodeTypes(index)) {
    const attrs = index[String(nodeType)]!.attrs;
    const exact = specCovers(attrs, spec);
    const similarity = exact ? 1 : specSimilarity(attrs, spec);
    if (
      best === undefined || (exact && !best.exact) ||
      (exact === best.exact && similarity > best.similarity)
    ) best = { nodeType, similarity, exact };
  }
  return best;
}

/**
 * Adds a machine to an index: into the node type whose attrs equal its
 * spec, or into a new node type (one above the largest). Returns a new index
 * and the node type; the input is not changed.
 *
 * @example
 * ```ts
 * import { indexMachine } from "./node_type_index.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const spec = { processor: "p", cores: 4, chips: 1, memory: 8, frequency: 2000 };
 * const a = indexMachine({}, spec, "m1");
 * const b = indexMachine(a.index, spec, "m2");
 * assertEquals([a.nodeType, b.nodeType], [0, 0]);
 * assertEquals(b.index["0"]?.members, ["m1", "m2"]);
 * ```
 */
export function indexMachine(
  index: NodeTypeIndex,
  spec: MachineSpec,
  machineId: string,
): { index: NodeTypeIndex; nodeType: number } {
  const out: NodeTypeIndex = structuredClone(index);
  for (const nodeType of nodeTypes(out)) {
    const entry = out[String(nodeType)]!;
    const same = NODE_ATTRIBUTES.every((a) =>
      String(entry.attrs[a]).toLowerCase() === String(spec[a]).toLowerCase()
    );
    if (same) {
      if (!entry.members.includes(machineId)) entry.members.push(machineId);
      return { index: out, nodeType };
    }
  }
  const types = nodeTypes(out);
  const nodeType = types.length === 0 ? 0 : types[types.length - 1]! + 1;
  out[String(nodeType)] = { attrs: { ...spec }, members: [machineId] };
  return { index: out, nodeType };
}

/**
 * Checks a parsed `node_type_index.json`; throws a `TypeError` naming the
 * bad entry.
 */
export function checkNodeTypeIndex(
  value: unknown,
  source = "node_type_index.json",
): NodeTypeIndex {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Invalid ${source}: not a JSON object`);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (!/^-?\d+$/.test(key)) {
      throw new TypeError(
        `Invalid ${source}: node type "${key}" is not a number`,
      );
    }
    const e = entry as Partial<NodeTypeEntry>;
    if (
      typeof e !== "object" || e === null || typeof e.attrs !== "object" ||
      e.attrs === null
    ) {
      throw new TypeError(`Invalid ${source}: node type ${key} has no attrs`);
    }
    if (!Array.isArray(e.members)) e.members = [];
  }
  return value as NodeTypeIndex;
}

/**
 * Reads a pipeline's `node_type_index.json`, or an empty index when the
 * file does not exist yet; a bad file is a `TypeError` naming it.
 *
 * @param path The index file, `<pipeline>/node_type_index.json`.
 * @returns The index by node type (empty when the file is missing); an
 *   entry without `members` gets an empty list.
 * @throws {SyntaxError} when the file is not JSON.
 * @throws {TypeError} when the file is not an object of numbered node
 *   types, each with `attrs`.
 *
 * @example
 * ```ts
 * import { readNodeTypeIndex } from "./node_type_index.ts";
 * import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assertEquals(await readNodeTypeIndex(`${dir}/node_type_index.json`), {});
 * await Deno.writeTextFile(`${dir}/node_type_index.json`, '{"x": {}}');
 * await assertRejects(() => readNodeTypeIndex(`${dir}/node_type_index.json`), /node_type_index\.json: node type "x"/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readNodeTypeIndex(path: string): Promise<NodeTypeIndex> {
  return (await exists(path))
    ? checkNodeTypeIndex(await readJsonFile(path), path)
    : {};
}
