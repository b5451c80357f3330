/**
 * The symbols of the charts and the explain view, and the tour's five ideas, in plain words (shown
 * on hover). Where a text names the masked answer, it names the one the run's config uses
 * (`placeholder`, `placeholderMode`): the demo masks with a non-answer, the reference defaults with
 * "No information found.".
 */
import { splitWords, type Config } from '../engine';

export type MaskConfig = Pick<Config, 'placeholder' | 'placeholderMode'>;

/** The masked answer o_t is replaced by, as the policy reads it (lower-cased words), and how it is fitted in. */
export function maskedAnswer(config: MaskConfig): string {
  const words = `"${splitWords(config.placeholder).join(' ')}"`;
  // equal-length overwrites o_t in place (dialogue.ts buildCounterfactual): cut, or padded with its last word.
  return config.placeholderMode === 'equal-length' ? `${words}, cut to the answer's length or padded with its last word` : words;
}

/**
 * Every symbol and its meaning. With `mask` null (a chart caption, which belongs to no setup in
 * particular) the IG entries say only that the answer is masked.
 */
export function glossary(mask: MaskConfig | null): Record<string, string> {
  const masked = mask ? `a masked answer (${maskedAnswer(mask)})` : 'a masked answer';
  // Longest symbols are matched first (see PATTERN), so the order here is the reading order.
  return {
    'σ_g = 0': 'A tied group: all of its dialogues got the same outcome, so GRPO\'s outcome advantage is zero for all of them.',
    'gate_g': 'The variance gate of group g, sigmoid(−σ_g / T): 0.5 when the group is tied, smaller the more its outcomes differ. It weights the information-gain signal.',
    'σ_g': 'Spread (standard deviation) of the outcomes in group g. 0 = tied group.',
    'μ_g': 'Mean outcome of group g (what GRPO compares each dialogue against).',
    'IG_t': `Information gain of turn t: how much the answer o_t changed the agent's next move a_{t+1}, compared with the same move after ${masked}.`,
    'IG': `Information gain: how much an answer changed the agent's next move, against ${masked}.`,
    'A_out': 'Outcome advantage (GRPO): the dialogue\'s outcome minus its group\'s mean, over the group\'s spread.',
    'A_int': 'Intrinsic advantage: the information-gain credit, normalised over the group\'s scored tokens.',
    '|A|': 'Size of the advantage: how strongly a token is reinforced or discouraged.',
    'β_e': 'Weight of the information-gain term at epoch e: β0 · exp(−decay · e).',
    'KL': 'Kullback-Leibler divergence: how different two probability distributions are (0 = identical).',
    'T': 'Gate temperature: smaller T makes the gate close faster as outcomes spread.',
  };
}

/** The first-visit tour: plain words for the five ideas the page's charts and views rest on. */
export function tourSteps(mask: MaskConfig | null): { title: string; text: string }[] {
  return [
    {
      title: 'The agent',
      text: 'A small transformer, trained here in your browser. It gets a vague request ("book me a hotel") and may ask questions before its final move (a booking, a guess, code). Asking costs turns; acting too early fails.',
    },
    {
      title: 'The user',
      text: 'A simulated person who knows what the request left out (the hidden intent: budget, area, the secret word...). It answers the agent\'s questions in words, truthfully or not, depending on its persona.',
    },
    {
      title: 'A group',
      text: 'Each training step plays the same task several times (a group of G dialogues). GRPO scores each dialogue against its group: better than the group\'s mean is reinforced, worse is discouraged. When every dialogue of a group fails (or all succeed), the group is "tied" and GRPO learns nothing from it.',
    },
    {
      title: 'The gate',
      text: 'InfoPO adds a second signal, weighted by a gate: sigmoid(−σ/T) of the spread σ of the group\'s outcomes. It is largest (0.5) exactly when the group is tied, so the extra signal counts most where GRPO has none.',
    },
    {
      title: 'The information gain',
      text: `That signal: for each answer, how much it changed the agent's next move. The page replays the next move with the answer masked (${mask ? `this setup masks it with ${maskedAnswer(mask)}` : 'the setup\'s placeholder; this setup has invalid fields'}) and compares the two predictions. A question whose answer changed nothing earns no credit. Try it yourself in "Play the user".`,
    },
  ];
}

const KEYS = Object.keys(glossary(null)).sort((a, b) => b.length - a.length);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Symbols stand alone: not inside a word ("T" in "Training" is not the temperature).
const PATTERN = new RegExp(`(?<![\\p{L}\\p{N}_])(${KEYS.map(escape).join('|')})(?![\\p{L}\\p{N}_])`, 'gu');

export interface GlossPart {
  text: string;
  /** The explanation when this part is a glossary symbol. */
  gloss?: string;
}

/** Split text into plain parts and glossary symbols (explained by `entries`). */
export function glossParts(text: string, entries: Record<string, string> = glossary(null)): GlossPart[] {
  const out: GlossPart[] = [];
  let last = 0;
  for (const m of text.matchAll(PATTERN)) {
    if (m.index! > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: m[0], gloss: entries[m[0]] });
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
