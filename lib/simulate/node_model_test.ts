import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  DEFAULT_NODE_MODEL,
  scaleNodeModel,
  truePower,
  zeroRates,
} from "./node_model.ts";
import type { NodeRates } from "./node_model.ts";

const M = DEFAULT_NODE_MODEL;
const GHZ = M.spec.frequency / 1000;

/** `threads` busy at `ghz` with `ipc` and `mpki`. */
function load(threads: number, ghz = GHZ, ipc = 1.5, mpki = 1): NodeRates {
  const cycles = threads * ghz * 1e9;
  return {
    ...zeroRates(),
    bpf_cpu_time_ms: threads * 1000,
    cpu_cycles: cycles,
    cpu_instructions: cycles * ipc,
    cache_miss: cycles * ipc * mpki / 1000,
  };
}

Deno.test("`truePower()` is the idle power at zero usage", () => {
  assertEquals(truePower(M, zeroRates()), {
    package: 36,
    core: 12,
    uncore: 8,
    dram: 8,
    platform: 95,
  });
});

Deno.test("`truePower()` package rises with load and saturates below the TDP", () => {
  const p = [0, 5, 10, 20, 30, 40].map((n) => truePower(M, load(n)).package);
  for (let i = 1; i < p.length; i++) assert(p[i]! > p[i - 1]!, `${p}`);
  // Concave: each 10 extra threads add less.
  assert(p[3]! - p[2]! > p[4]! - p[3]! && p[4]! - p[3]! > p[5]! - p[4]!);
  // Never above idle + 2 sockets × saturation (the TDP).
  assert(p[5]! < 36 + 2 * M.package.saturation);
  // Matches the closed form for one point: 10 threads per socket.
  const x = 1.0 * 10 + 0.6 * 32 * 1 + 0.5 * 48;
  const expected = 36 + 2 * 82 * (1 - Math.exp(-x / 82));
  assert(Math.abs(p[3]! - expected) < 1e-9, `${p[3]} vs ${expected}`);
});

Deno.test("`truePower()` package depends on frequency, instructions and cycles", () => {
  const fast = truePower(M, load(20, GHZ)).package;
  const slow = truePower(M, load(20, GHZ * 0.7)).package;
  assert(fast - slow > 10, `fast ${fast} slow ${slow}`);
  const highIpc = truePower(M, load(20, GHZ, 2.5)).package;
  const lowIpc = truePower(M, load(20, GHZ, 0.5)).package;
  assert(highIpc - lowIpc > 10, `ipc 2.5 ${highIpc} vs 0.5 ${lowIpc}`);
});

Deno.test("`truePower()` dram follows cache misses and page-cache hits", () => {
  const few = truePower(M, load(20, GHZ, 0.4, 1)).dram;
  const many = truePower(M, load(20, GHZ, 0.4, 25)).dram;
  assert(many - few > 5, `dram ${few} → ${many}`);
  const pc = truePower(M, { ...zeroRates(), bpf_page_cache_hit: 100_000 }).dram;
  assert(pc > 8 + 2, `page cache dram ${pc}`);
});

Deno.test("`truePower()` platform is package + dram + a mildly nonlinear rest", () => {
  const rest = (r: NodeRates) => {
    const p = truePower(M, r);
    return p.platform - p.package - p.dram;
  };
  const idleRest = rest(zeroRates());
  assertEquals(idleRest, 95 - 36 - 8);
  const dyn = (r: NodeRates) => {
    const p = truePower(M, r);
    return p.package - 36 + p.dram - 8;
  };
  const half = load(20), full = load(40);
  const slopeHalf = (rest(half) - idleRest) / dyn(half);
  const slopeFull = (rest(full) - idleRest) / dyn(full);
  assert(slopeFull > slopeHalf && slopeHalf > M.platform.linear);
  const io = truePower(M, { ...zeroRates(), bpf_block_irq: 5000 });
  assertEquals(io.platform, 95 + 5);
});

Deno.test("`truePower()` rejects negative or non-finite rates", () => {
  assertThrows(
    () => truePower(M, { ...zeroRates(), cpu_cycles: -1 }),
    /rate cpu_cycles is -1/,
  );
  assertThrows(
    () => truePower(M, { ...zeroRates(), cache_miss: NaN }),
    RangeError,
  );
});

Deno.test("`scaleNodeModel()` scales idle and dynamic power", () => {
  const scaled = scaleNodeModel(M, 1.1);
  const a = truePower(M, load(20)), b = truePower(scaled, load(20));
  assert(Math.abs(b.package / a.package - 1.1) < 0.02);
  assertThrows(() => scaleNodeModel(M, 0), /factor 0/);
});
