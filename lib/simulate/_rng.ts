/**
 * Seeded randomness for the simulator: independent streams derived from one
 * seed (so changing the noise level does not change the workload), uniform
 * and Gaussian draws. Private to lib/simulate.
 *
 * @module
 */

/** A seeded stream of uniform numbers in [0, 1) with Gaussian draws. */
export interface Rng {
  /** A uniform number in [0, 1). */
  next(): number;
  /** A standard normal draw (Box–Muller). */
  normal(): number;
}

function splitmix32(a: number): number {
  a = (a + 0x9e3779b9) | 0;
  let t = a ^ (a >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A generator (sfc32) for `seed` and a stream name: the same pair always gives
 * the same sequence, different stream names give unrelated sequences.
 */
export function createRng(seed: number, stream: string): Rng {
  if (!Number.isInteger(seed)) {
    throw new RangeError(
      `Cannot seed the simulator: seed ${seed} is not an integer`,
    );
  }
  const h = hashString(stream);
  let a = splitmix32(seed | 0);
  let b = splitmix32(a ^ h);
  let c = splitmix32(b + (seed / 4294967296 | 0));
  let d = splitmix32(c ^ 0x5bd1e995);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * next();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  return { next, normal };
}

/** A lowercase hex string of `length` characters. */
export function randomHex(rng: Rng, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += Math.floor(rng.next() * 16).toString(16);
  }
  return out;
}
