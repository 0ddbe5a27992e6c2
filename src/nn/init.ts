// Seeded random numbers for initialisation: uniform from seedrandom, normals by Box–Muller.
import seedrandom from "seedrandom";
import type { Init, Random } from "./layer.js";

export function createRandom(seed: string | number): Random {
  const uniform = seedrandom(String(seed));
  let spare: number | null = null;
  return {
    uniform,
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      const theta = 2 * Math.PI * uniform();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
  };
}

/** N(0, std²) */
export const normal =
  (std = 1): Init =>
  (values, rng) => {
    for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std;
  };

export const constant =
  (c: number): Init =>
  (values) =>
    values.fill(c);

/** PyTorch's nn.Linear default: U(−1/√fan_in, 1/√fan_in) */
export const uniformFanIn =
  (fanIn: number): Init =>
  (values, rng) => {
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < values.length; i++) values[i] = (rng.uniform() * 2 - 1) * bound;
  };
