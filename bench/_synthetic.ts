/**
 * The synthetic regression the trainer benchmarks share: 5 Kepler-like
 * usage features and a nonlinear power, seeded.
 *
 * @module
 */

/** A seeded generator (mulberry32; lib's is private to lib/train). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Synthetic Kepler-like data: 5 usage features, a nonlinear power. */
export function syntheticData(
  n: number,
  seed = 1,
): { x: Float64Array[]; y: Float64Array } {
  const random = mulberry32(seed);
  const x = Array.from({ length: 5 }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const column of x) column[i] = random() * 1000;
    const [cpu, cache, io, irq, mem] = x.map((c) => c[i]!) as [
      number,
      number,
      number,
      number,
      number,
    ];
    y[i] = 80 + 0.12 * cpu + 15 * Math.tanh(cache / 300) + 0.01 * io +
      0.004 * irq * mem / 100 + 4 * random();
  }
  return { x, y };
}
