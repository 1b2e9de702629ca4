/**
 * Small seeded random number generator (mulberry32). Used for weight init and
 * sampling so that results are identical on every backend and every run. The
 * uniform stream is the statistics' own (`shared/stats/random.ts`), so one
 * generator serves both; the engine adds normal draws.
 */
import { SeededRng as UniformRng } from '../../shared/stats/random';

export class SeededRng extends UniformRng {
  /** Standard normal via Box–Muller. */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fills with normal(0, std) values, using both Box–Muller outputs (model init is millions of draws). */
  fillNormal(out: Float32Array, std: number): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      let u = this.next();
      while (u === 0) u = this.next();
      const r = Math.sqrt(-2 * Math.log(u)) * std;
      const theta = 2 * Math.PI * this.next();
      out[i] = r * Math.cos(theta);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
    }
    return out;
  }
}
