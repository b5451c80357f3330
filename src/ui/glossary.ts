/**
 * The symbols of the charts and the explain view, in plain words (shown on hover). Longest first,
 * so "gate_g" is matched before "gate" would be.
 */
export const GLOSSARY: Record<string, string> = {
  'σ_g = 0': 'A tied group: all of its dialogues got the same outcome, so GRPO\'s outcome advantage is zero for all of them.',
  'gate_g': 'The variance gate of group g, sigmoid(−σ_g / T): 0.5 when the group is tied, smaller the more its outcomes differ. It weights the information-gain signal.',
  'σ_g': 'Spread (standard deviation) of the outcomes in group g. 0 = tied group.',
  'μ_g': 'Mean outcome of group g (what GRPO compares each dialogue against).',
  'IG_t': 'Information gain of turn t: how much the answer o_t changed the agent\'s next move a_{t+1}, compared with the same move after a masked answer ("no information found .").',
  'IG': 'Information gain: how much an answer changed the agent\'s next move, against the masked answer.',
  'A_out': 'Outcome advantage (GRPO): the dialogue\'s outcome minus its group\'s mean, over the group\'s spread.',
  'A_int': 'Intrinsic advantage: the information-gain credit, normalised over the group\'s scored tokens.',
  '|A|': 'Size of the advantage: how strongly a token is reinforced or discouraged.',
  'β_e': 'Weight of the information-gain term at epoch e: β0 · exp(−decay · e).',
  'KL': 'Kullback-Leibler divergence: how different two probability distributions are (0 = identical).',
  'T': 'Gate temperature: smaller T makes the gate close faster as outcomes spread.',
};

const KEYS = Object.keys(GLOSSARY).sort((a, b) => b.length - a.length);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Symbols stand alone: not inside a word ("T" in "Training" is not the temperature).
const PATTERN = new RegExp(`(?<![\\p{L}\\p{N}_])(${KEYS.map(escape).join('|')})(?![\\p{L}\\p{N}_])`, 'gu');

export interface GlossPart {
  text: string;
  /** The explanation when this part is a glossary symbol. */
  gloss?: string;
}

/** Split text into plain parts and glossary symbols. */
export function glossParts(text: string): GlossPart[] {
  const out: GlossPart[] = [];
  let last = 0;
  for (const m of text.matchAll(PATTERN)) {
    if (m.index! > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: m[0], gloss: GLOSSARY[m[0]] });
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
