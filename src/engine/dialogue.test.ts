import { describe, expect, it } from 'vitest';
import { actionMask, appendAction, appendFeedback, buildCounterfactual, scoredTurns, startDialogue, type Dialogue } from './dialogue';
import { AGENT, BOS, EOT, USER } from './text/special';

// Token ids are arbitrary numbers >= 10 for words.
function sample(): Dialogue {
  const d = startDialogue([10, 11]); // <bos> <user> 10 11 <eot> <agent>
  appendAction(d, [20, 21, EOT], 'a0');
  appendFeedback(d, [30, 31, 32], 'f0', 'user');
  appendAction(d, [22, EOT], 'a1');
  appendFeedback(d, [33], 'f1', 'user');
  appendAction(d, [23, 24, EOT], 'a2');
  return d;
}

describe('dialogue spans', () => {
  it('tile the token sequence exactly, in order', () => {
    const d = sample();
    let pos = 0;
    for (const s of d.spans) {
      expect(s.start).toBe(pos);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
      pos = s.end;
    }
    expect(pos).toBe(d.tokens.length);
    expect(d.tokens.slice(0, 6)).toEqual([BOS, USER, 10, 11, EOT, AGENT]);
  });
  it('record every action and feedback with its turn', () => {
    const d = sample();
    expect(d.spans.map((s) => `${s.kind}:${s.turn}`)).toEqual(['prompt:-1', 'action:0', 'format:-1', 'feedback:0', 'format:-1', 'action:1', 'format:-1', 'feedback:1', 'format:-1', 'action:2']);
    const a1 = d.spans[d.turns[1].actionSpan];
    expect(d.tokens.slice(a1.start, a1.end)).toEqual([22, EOT]);
    const f0 = d.spans[d.turns[0].feedbackSpan!];
    expect(d.tokens.slice(f0.start, f0.end)).toEqual([30, 31, 32]);
    expect(d.turns[2].feedbackSpan).toBeNull();
  });
  it('marks only action tokens in the loss mask', () => {
    const d = sample();
    const mask = actionMask(d);
    const marked = d.tokens.filter((_, i) => mask[i] === 1);
    expect(marked).toEqual([20, 21, EOT, 22, EOT, 23, 24, EOT]);
  });
  it('scores turns with non-empty feedback and a next action; never the last', () => {
    const d = sample();
    expect(scoredTurns(d)).toEqual([0, 1]);
    const e = startDialogue([10]);
    appendAction(e, [20, EOT], 'a0');
    appendFeedback(e, [], '', 'user');
    appendAction(e, [21, EOT], 'a1');
    expect(scoredTurns(e)).toEqual([]);
  });
});

describe('masked-feedback counterfactual (docs/infopo.md §2)', () => {
  const placeholder = [90, 91, 92, 93]; // "no information found ."
  it('pads a longer feedback by repeating the placeholder last token', () => {
    const d = startDialogue([10]);
    appendAction(d, [20, EOT], 'a0');
    appendFeedback(d, [30, 31, 32, 33, 34, 35], 'f0', 'user');
    appendAction(d, [21, 22, EOT], 'a1');
    const cf = buildCounterfactual(d, 0, placeholder, 'equal-length');
    const fb = d.spans[d.turns[0].feedbackSpan!];
    expect(cf.tokens.slice(fb.start, fb.end)).toEqual([90, 91, 92, 93, 93, 93]);
    expect(cf.tokens.length).toBe(d.tokens.length);
    expect(cf.tokens.slice(0, fb.start)).toEqual(d.tokens.slice(0, fb.start));
    expect(cf.tokens.slice(fb.end)).toEqual(d.tokens.slice(fb.end));
    expect(cf.tokens.slice(cf.nextActionStart, cf.nextActionEnd)).toEqual([21, 22, EOT]);
    expect(cf.sharedPrefix).toBe(fb.start);
  });
  it('truncates the placeholder for a shorter feedback ("No" keeps only "no")', () => {
    const d = startDialogue([10]);
    appendAction(d, [20, EOT], 'a0');
    appendFeedback(d, [30], 'f0', 'user');
    appendAction(d, [21, EOT], 'a1');
    const cf = buildCounterfactual(d, 0, placeholder, 'equal-length');
    const fb = d.spans[d.turns[0].feedbackSpan!];
    expect(cf.tokens.slice(fb.start, fb.end)).toEqual([90]);
    expect(cf.nextActionStart).toBe(cf.realNextActionStart);
  });
  it('masks only o_t: earlier feedback and every action stay; the sequence stops after a_{t+1}', () => {
    const d = sample();
    const cf = buildCounterfactual(d, 1, placeholder, 'equal-length');
    const f0 = d.spans[d.turns[0].feedbackSpan!];
    const f1 = d.spans[d.turns[1].feedbackSpan!];
    expect(cf.tokens.slice(f0.start, f0.end)).toEqual([30, 31, 32]);
    expect(cf.tokens.slice(f1.start, f1.end)).toEqual([90]);
    expect(cf.tokens.length).toBe(d.spans[d.turns[2].actionSpan].end);
  });
  it("replace mode splices the whole placeholder and shifts a_{t+1}'s positions", () => {
    const d = startDialogue([10]);
    appendAction(d, [20, EOT], 'a0');
    appendFeedback(d, [30], 'f0', 'user');
    appendAction(d, [21, EOT], 'a1');
    const cf = buildCounterfactual(d, 0, placeholder, 'replace');
    const fb = d.spans[d.turns[0].feedbackSpan!];
    expect(cf.tokens.slice(fb.start, fb.start + 4)).toEqual(placeholder);
    expect(cf.nextActionStart).toBe(cf.realNextActionStart + 3);
    expect(cf.tokens.slice(cf.nextActionStart, cf.nextActionEnd)).toEqual([21, EOT]);
  });
  it('refuses unscored turns', () => {
    expect(() => buildCounterfactual(sample(), 2, placeholder, 'equal-length')).toThrow(/not scored/);
  });
});
