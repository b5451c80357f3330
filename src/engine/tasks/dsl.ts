/**
 * A tiny list-processing language for the collaborative-coding task. A program is a pipeline of
 * steps applied left to right to a list of integers:
 *
 *   even | odd | above N | below N     filter: keep even / odd / > N / < N
 *   plus N | times N                   map: add N / multiply by N
 *   dedupe                             drop repeated values (first occurrence kept)
 *   asc | desc | reverse               sort ascending / descending, reverse
 *   first N | skip N                   keep the first N / drop the first N
 *   sum | max | min | count            reduce the list to one number (max / min of [] = 0)
 *
 * Written as words: "even times 2 desc first 2". After a reduction the value is a number and any
 * further step is a type error. N is an integer 0..20.
 */

export type Step =
  | { op: 'even' | 'odd' | 'dedupe' | 'asc' | 'desc' | 'reverse' | 'sum' | 'max' | 'min' | 'count' }
  | { op: 'above' | 'below' | 'plus' | 'times' | 'first' | 'skip'; n: number };

export type Program = Step[];
export type Value = number[] | number;

export const NULLARY_OPS = ['even', 'odd', 'dedupe', 'asc', 'desc', 'reverse', 'sum', 'max', 'min', 'count'] as const;
export const UNARY_OPS = ['above', 'below', 'plus', 'times', 'first', 'skip'] as const;
export const OP_WORDS: readonly string[] = [...NULLARY_OPS, ...UNARY_OPS];
export const MAX_PARAM = 20;

/** Parse words into a program; an error message for anything malformed. */
export function parseProgram(words: readonly string[]): { program: Program } | { error: string } {
  const program: Program = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if ((NULLARY_OPS as readonly string[]).includes(w)) program.push({ op: w as (typeof NULLARY_OPS)[number] });
    else if ((UNARY_OPS as readonly string[]).includes(w)) {
      const arg = words[i + 1];
      if (arg === undefined || !/^\d+$/.test(arg) || Number(arg) > MAX_PARAM) return { error: `"${w}" needs a number 0..${MAX_PARAM}` };
      program.push({ op: w as (typeof UNARY_OPS)[number], n: Number(arg) });
      i++;
    } else return { error: `unknown word "${w}"` };
  }
  return { program };
}

/** A program as words: [{op:'even'},{op:'first',n:2}] -> "even first 2". */
export function programText(program: Program): string {
  return program.map((s) => ('n' in s ? `${s.op} ${s.n}` : s.op)).join(' ');
}

export class DslTypeError extends Error {}

/** Run one step. Throws on a list step applied to a number. */
export function runStep(step: Step, value: Value): Value {
  if (typeof value === 'number') throw new DslTypeError(`"${step.op}" applied to a number`);
  const xs = value;
  switch (step.op) {
    case 'even':
      return xs.filter((x) => x % 2 === 0);
    case 'odd':
      return xs.filter((x) => x % 2 !== 0);
    case 'above':
      return xs.filter((x) => x > step.n);
    case 'below':
      return xs.filter((x) => x < step.n);
    case 'plus':
      return xs.map((x) => x + step.n);
    case 'times':
      return xs.map((x) => x * step.n);
    case 'dedupe':
      return xs.filter((x, i) => xs.indexOf(x) === i);
    case 'asc':
      return xs.slice().sort((a, b) => a - b);
    case 'desc':
      return xs.slice().sort((a, b) => b - a);
    case 'reverse':
      return xs.slice().reverse();
    case 'first':
      return xs.slice(0, step.n);
    case 'skip':
      return xs.slice(step.n);
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'max':
      return xs.length ? Math.max(...xs) : 0;
    case 'min':
      return xs.length ? Math.min(...xs) : 0;
    case 'count':
      return xs.length;
  }
}

/** Run a program on an input list: its value, or an error. */
export function runProgram(program: Program, input: readonly number[]): { value: Value } | { error: string } {
  let value: Value = input.slice();
  try {
    for (const step of program) value = runStep(step, value);
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { value };
}


/** Equality of two values (lists element-wise). */
export function sameValue(a: Value, b: Value): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A value as words: [4, 3] -> "4 3", [] -> "nothing", 7 -> "7". */
export function valueText(v: Value): string {
  if (typeof v === 'number') return String(v);
  return v.length ? v.join(' ') : 'nothing';
}

/** A hidden unit test. */
export interface UnitTest {
  input: number[];
  output: Value;
}

/** Fraction of tests a program passes (a program that fails to run fails the test). */
export function passRate(program: Program, tests: readonly UnitTest[]): number {
  if (tests.length === 0) return 0;
  let passed = 0;
  for (const t of tests) {
    const r = runProgram(program, t.input);
    if ('value' in r && sameValue(r.value, t.output)) passed++;
  }
  return passed / tests.length;
}
