import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  binColumns,
  type BinnedColumns,
  buildHistogram,
  findBestSplit,
  type NodeTotals,
  type Split,
  type SplitRule,
  subtractHistogram,
} from "./histogram.ts";
import {
  bestSplitInto,
  buildOnActive,
  buildRoot,
  newNodeHistogram,
  newSplitSlot,
  type NodeHistogram,
  subtractOnActive,
} from "./_active_histogram.ts";
import { mulberry32, normal } from "./random.ts";

/**
 * The split `bestSplitInto` finds, in `findBestSplit`'s form: threshold
 * and both children's totals, as the tree grower derives them.
 */
function bestSplitOnActive(
  binned: BinnedColumns,
  node: NodeHistogram,
  totals: NodeTotals,
  rule: Required<SplitRule>,
): Split | undefined {
  const { grad: G, hess: H, count: C } = totals;
  const out = newSplitSlot();
  if (!bestSplitInto(binned, node, G, H, C, rule, out)) return undefined;
  const { feature, bin, gain, gl, cl } = out;
  return {
    feature,
    bin,
    threshold: binned.edges[feature]![bin]!,
    gain,
    left: { grad: gl, hess: cl, count: cl },
    right: { grad: G - gl, hess: H - cl, count: C - cl },
  };
}

/** Bits of every number of a split, so −0 and rounding differences show. */
function bits(v: unknown): unknown {
  return JSON.stringify(
    v,
    (_, x) =>
      typeof x === "number"
        ? Array.from(new Uint8Array(Float64Array.of(x).buffer)).join(",")
        : x,
  );
}

Deno.test("node histograms give findBestSplit()'s splits bit for bit, down a chain of row subsets", () => {
  const rules: Required<SplitRule>[] = [
    { lambda: 0, gamma: 0, minChildWeight: 0, minSamplesLeaf: 1 },
    { lambda: 1, gamma: 0, minChildWeight: 1, minSamplesLeaf: 1 },
    { lambda: 10, gamma: 0.5, minChildWeight: 5, minSamplesLeaf: 3 },
    // the larger minimum binds on either side; no minimum at all
    { lambda: 0.5, gamma: 0, minChildWeight: 2.5, minSamplesLeaf: 6 },
    { lambda: 0, gamma: 0, minChildWeight: 0, minSamplesLeaf: 0 },
  ];
  let compared = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const r = mulberry32(seed);
    const n = 40 + Math.floor(r() * 300);
    const x = [
      Float64Array.from({ length: n }, () => r() * 1000),
      Float64Array.from({ length: n }, () => Math.floor(r() * 8)),
      new Float64Array(n).fill(3),
      Float64Array.from({ length: n }, () => normal(r)),
    ];
    const binned = binColumns(x, { maxBins: seed % 2 ? 255 : 20 });
    const nBins = binned.offsets[x.length]!;
    const grad = Float64Array.from({ length: n }, () => 50 * normal(r));
    const hess = new Float64Array(n).fill(1);
    const rows = Uint32Array.from({ length: n }, (_, i) => i);
    // the root, fully built
    let node = newNodeHistogram(nBins);
    buildRoot(binned, grad, rows, n, node);
    const full = new Float64Array(3 * nBins);
    buildHistogram({ binned, grad, hess, rows, end: n }, full);
    let end = n;
    while (end >= 4) {
      let G = 0;
      for (let k = 0; k < end; k++) G += grad[rows[k]!]!;
      const totals = { grad: G, hess: end, count: end };
      for (const rule of rules) {
        assertEquals(
          bits(bestSplitOnActive(binned, node, totals, rule)),
          bits(findBestSplit(binned, full, totals, rule)),
        );
        compared++;
      }
      // split off a random smaller part (rows[mid..end)) and go down the
      // larger one (rows[0..mid)), as boost does
      for (let k = end - 1; k > 0; k--) {
        const j = Math.floor(r() * (k + 1));
        [rows[k], rows[j]] = [rows[j]!, rows[k]!];
      }
      const mid = Math.ceil(end * (0.5 + 0.4 * r()));
      const small = newNodeHistogram(nBins);
      buildOnActive(binned, grad, rows, mid, end, node, small);
      subtractOnActive(node, small, true);
      const smallFull = new Float64Array(3 * nBins);
      buildHistogram({ binned, grad, hess, rows, start: mid, end }, smallFull);
      subtractHistogram(full, smallFull);
      // the active lists are exactly the bins with rows
      const listed = (h: Float64Array) =>
        Array.from({ length: nBins }, (_, k) => k).filter((k) =>
          h[3 * k + 2]! > 0
        );
      assertEquals(
        [...small.active.subarray(0, small.nActive)],
        listed(smallFull),
      );
      assertEquals([...node.active.subarray(0, node.nActive)], listed(full));
      node = { ...node };
      end = mid;
    }
  }
  assertEquals(compared > 200, true);
});
