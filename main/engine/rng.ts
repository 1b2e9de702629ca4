/**
 * Small seeded random number generator (mulberry32). Used for weight init and
 * sampling so that results are identical on every backend and every run.
 */
export class SeededRng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds give unrelated streams.
    this.state = (Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

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
