import { describe, expect, it } from 'vitest';
import { parseProgram, passRate, programText, runProgram, sameValue, valueText, type Program } from './dsl';

const prog = (text: string): Program => {
  const p = parseProgram(text.split(' ').filter(Boolean));
  if ('error' in p) throw new Error(p.error);
  return p.program;
};
const run = (text: string, input: number[]) => runProgram(prog(text), input);

describe('list DSL interpreter', () => {
  it('filters', () => {
    expect(run('even', [3, 4, 1, 8, 8])).toEqual({ value: [4, 8, 8] });
    expect(run('odd', [3, 4, 1, 8])).toEqual({ value: [3, 1] });
    expect(run('above 3', [3, 4, 1, 8])).toEqual({ value: [4, 8] });
    expect(run('below 4', [3, 4, 1, 8])).toEqual({ value: [3, 1] });
  });
  it('maps', () => {
    expect(run('plus 2', [3, 0])).toEqual({ value: [5, 2] });
    expect(run('times 3', [3, 0, 1])).toEqual({ value: [9, 0, 3] });
  });
  it('dedupes keeping first occurrences, sorts, reverses, slices', () => {
    expect(run('dedupe', [3, 1, 3, 2, 1])).toEqual({ value: [3, 1, 2] });
    expect(run('asc', [3, 1, 2])).toEqual({ value: [1, 2, 3] });
    expect(run('desc', [3, 1, 2, 10])).toEqual({ value: [10, 3, 2, 1] });
    expect(run('reverse', [3, 1, 2])).toEqual({ value: [2, 1, 3] });
    expect(run('first 2', [3, 1, 2])).toEqual({ value: [3, 1] });
    expect(run('skip 2', [3, 1, 2])).toEqual({ value: [2] });
    expect(run('first 5', [3])).toEqual({ value: [3] });
  });
  it('reduces to a number (max / min of an empty list is 0)', () => {
    expect(run('sum', [3, 1, 2])).toEqual({ value: 6 });
    expect(run('max', [3, 1, 2])).toEqual({ value: 3 });
    expect(run('min', [3, 1, 2])).toEqual({ value: 1 });
    expect(run('count', [3, 1, 2])).toEqual({ value: 3 });
    expect(run('max', [])).toEqual({ value: 0 });
    expect(run('even sum', [1, 3])).toEqual({ value: 0 });
  });
  it('runs pipelines left to right', () => {
    expect(run('even times 2 desc first 2', [4, 1, 6, 2, 6])).toEqual({ value: [12, 12] });
    expect(run('dedupe even desc first 2', [4, 1, 6, 2, 6])).toEqual({ value: [6, 4] });
    expect(run('above 2 plus 1 count', [1, 2, 3, 9])).toEqual({ value: 2 });
    expect(run('', [1, 2])).toEqual({ value: [1, 2] });
  });
  it('reports type errors (a list step after a reduction) and parse errors', () => {
    expect(run('sum first 2', [1, 2])).toEqual({ error: '"first" applied to a number' });
    expect(parseProgram(['first'])).toEqual({ error: '"first" needs a number 0..20' });
    expect(parseProgram(['first', '21'])).toEqual({ error: '"first" needs a number 0..20' });
    expect(parseProgram(['sort'])).toEqual({ error: 'unknown word "sort"' });
  });
  it('prints programs and values as words', () => {
    expect(programText(prog('even first 2 sum'))).toBe('even first 2 sum');
    expect(valueText([4, 3])).toBe('4 3');
    expect(valueText([])).toBe('nothing');
    expect(valueText(7)).toBe('7');
    expect(sameValue([1], 1)).toBe(false);
    expect(sameValue([1, 2], [1, 2])).toBe(true);
  });
  it('scores a program by the fraction of unit tests it passes', () => {
    const tests = [
      { input: [1, 2, 3, 4], output: [4, 2] },
      { input: [5, 7], output: [] },
      { input: [2, 2, 8], output: [8, 2] },
      { input: [6], output: [6] },
    ];
    expect(passRate(prog('even desc first 2'), tests)).toBe(1);
    expect(passRate(prog('even desc'), tests)).toBe(0.75); // [8, 2, 2] fails
    expect(passRate(prog('sum'), tests)).toBe(0);
    expect(passRate(prog('even desc first 2'), [])).toBe(0);
  });
});
