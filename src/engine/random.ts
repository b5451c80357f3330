/**
 * Seeded random streams, one per purpose. Each stream is derived from (run seed, stream name),
 * so changing how many draws one purpose makes never shifts another purpose's draws.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

type Generator = ReturnType<typeof xoroshiro128plus>;

/** The named purposes every run draws from. */
export const STREAMS = ['tasks', 'user', 'sampling', 'init', 'order', 'sft', 'sftUser'] as const;
export type StreamName = (typeof STREAMS)[number];

/** FNV-1a over the UTF-16 code units: a stable 32-bit mix of a seed and a name. */
function mixSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193);
  h ^= Math.floor(seed / 0x100000000) >>> 0;
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export class Rng {
  private gen: Generator;
  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }
  /** Independent child stream, e.g. `rng.fork('rollout-3')`. */
  static derive(seed: number, name: string): Rng {
    return new Rng(mixSeed(seed, name));
  }
  fork(name: string): Rng {
    return Rng.derive(this.int(0, 0x7fffffff), name);
  }
  /** Uniform float in [0, 1). */
  next(): number {
    return uniformFloat64(this.gen);
  }
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return uniformInt(this.gen, min, max);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(0, items.length - 1)];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
  /** Standard normal (Box-Muller), for weight initialisation. */
  normal(): number {
    let u = this.next();
    while (u <= 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  bernoulli(p: number): boolean {
    return this.next() < p;
  }
  /** The generator's whole state (four 32-bit integers): saved in a resumable snapshot. */
  getState(): number[] {
    return [...this.gen.getState()];
  }
  /** Continue exactly where a stream whose getState() gave `state` was. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff)) throw new Error(`not a random stream state: [${state.join(', ')}]`);
    this.gen = xoroshiro128plusFromState(state.map((v) => v | 0));
  }
}

/** One generator per purpose, all from the run's seed. */
export type RandomStreams = Record<StreamName, Rng>;

export function createStreams(seed: number): RandomStreams {
  return Object.fromEntries(STREAMS.map((name) => [name, Rng.derive(seed, name)])) as RandomStreams;
}
