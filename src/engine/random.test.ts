import { describe, expect, it } from 'vitest';
import { createStreams, Rng } from './random';

describe('random streams', () => {
  it('are reproducible from the seed', () => {
    const a = createStreams(7);
    const b = createStreams(7);
    expect([a.tasks.next(), a.sampling.int(0, 100)]).toEqual([b.tasks.next(), b.sampling.int(0, 100)]);
  });
  it('are independent: drawing from one stream does not shift another', () => {
    const a = createStreams(7);
    const b = createStreams(7);
    for (let i = 0; i < 10; i++) a.user.next();
    expect(a.tasks.next()).toBe(b.tasks.next());
  });
  it('differ between purposes and between seeds', () => {
    const a = createStreams(7);
    expect(a.tasks.next()).not.toBe(a.sampling.next());
    expect(Rng.derive(1, 'x').next()).not.toBe(Rng.derive(2, 'x').next());
  });
  it('draws integers inclusively and shuffles to a permutation', () => {
    const r = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(r.int(0, 3));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
