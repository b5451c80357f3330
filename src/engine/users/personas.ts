/**
 * Simulated users (personas). A task family decides WHAT the user means (an `Answer`: the true
 * content of a reply, in several surface forms); the persona decides HOW it is said, and whether
 * it is said truthfully:
 *
 *   cooperative  answers exactly:                       "for two ."
 *   terse        minimal answer, no punctuation:        "two"
 *   verbose      an irrelevant opener, sometimes thanks: "hmm , let me see , for two . thanks ."
 *   noisy        like cooperative, but each answer part is wrong with probability `noise`
 *   implicit     reveals indirectly (UserBench style):  "me and my wife ."
 *
 * Every persona is deterministic given its random stream (the `user` stream of the run), so the
 * same seed gives the same user. A persona can differ between training and evaluation: the
 * engine simply starts evaluation episodes with another persona id.
 */
import type { Rng } from '../random';

export const PERSONA_IDS = ['cooperative', 'terse', 'verbose', 'noisy', 'implicit'] as const;
export type PersonaId = (typeof PERSONA_IDS)[number];

export interface Persona {
  id: PersonaId;
  title: string;
  /** One line for the UI and docs. */
  description: string;
}

export const PERSONAS: Record<PersonaId, Persona> = {
  cooperative: { id: 'cooperative', title: 'Cooperative', description: 'Answers exactly what was asked, in a short full phrase.' },
  terse: { id: 'terse', title: 'Terse', description: 'Answers with the fewest words possible (often one word, no punctuation).' },
  verbose: { id: 'verbose', title: 'Verbose', description: 'Answers exactly, wrapped in irrelevant filler words ("hmm , let me see , ...").' },
  noisy: { id: 'noisy', title: 'Noisy', description: 'Answers like the cooperative user, but each answer is wrong with probability `noise`.' },
  implicit: { id: 'implicit', title: 'Implicit', description: 'Reveals preferences indirectly ("i travel for work" for a refundable fare), UserBench style.' },
};

export function isPersona(id: string): id is PersonaId {
  return (PERSONA_IDS as readonly string[]).includes(id);
}

export function getPersona(id: string): Persona {
  if (!isPersona(id)) throw new Error(`Unknown persona "${id}". Known personas: ${PERSONA_IDS.join(', ')}`);
  return PERSONAS[id];
}

/**
 * The content of one answer (or one part of a multi-part answer), in every surface form a persona
 * may use. Phrases carry no final punctuation: the voice adds it.
 */
export interface Answer {
  /** The exact phrase (cooperative, verbose, noisy when truthful). */
  plain: string;
  /** The minimal phrase (terse); defaults to `plain`. */
  terse?: string;
  /** The indirect phrase (implicit); defaults to `plain`. */
  implicit?: string;
  /** A wrong answer of the same kind, for the noisy persona; absent when the answer cannot be wrong. */
  wrong?: (rng: Rng) => Answer;
}

/** Openers of the verbose persona: no word here may carry task meaning (no yes / no / numbers). */
export const FILLERS = ['well ,', 'hmm ,', 'oh ,', 'so ,', 'let me see ,', 'good question ,'] as const;
/** The verbose persona's occasional closing. */
export const CLOSING = 'thanks .';
/** What every user says to an action it cannot parse. */
export const NOT_UNDERSTOOD = 'i do not understand .';
/**
 * A user who leaves a question unanswered. Only the warm start's demonstrations contain it
 * (config `demoNonAnswer`), so that the policy learns what an unanswered question means (the
 * expert asks again) and the masked-feedback counterfactual that uses it as its placeholder is a
 * situation the policy has seen. Made of words the vocabulary already has.
 */
export const NON_ANSWER = 'i have to think .';

/** Every word a persona may add on top of a family's own phrases. */
export function personaVocabulary(): string[] {
  return [...FILLERS, CLOSING, NOT_UNDERSTOOD, NON_ANSWER].flatMap((s) => s.split(' '));
}

/** What the voice said, and whether it lied (for traces and tests). */
export interface Said {
  text: string;
  lied: boolean;
}

/** A persona bound to its random stream and noise level: turns answers into text. */
export interface Voice {
  readonly persona: PersonaId;
  /** Speak one answer, or several parts joined with commas. */
  say(parts: Answer | readonly Answer[]): Said;
}

export function createVoice(persona: string, noise: number, rng: Rng): Voice {
  const id = getPersona(persona).id;
  return {
    persona: id,
    say(input) {
      const parts = Array.isArray(input) ? (input as readonly Answer[]) : [input as Answer];
      let lied = false;
      const phrases = parts.map((answer) => {
        switch (id) {
          case 'terse':
            return answer.terse ?? answer.plain;
          case 'implicit':
            return answer.implicit ?? answer.plain;
          case 'noisy':
            if (answer.wrong && rng.bernoulli(noise)) {
              lied = true;
              return answer.wrong(rng).plain;
            }
            return answer.plain;
          default:
            return answer.plain;
        }
      });
      if (id === 'terse') return { text: phrases.join(' , '), lied };
      let text = `${phrases.join(' , ')} .`;
      if (id === 'verbose') {
        text = `${rng.pick(FILLERS)} ${text}`;
        if (rng.bernoulli(0.3)) text += ` ${CLOSING}`;
      }
      return { text, lied };
    },
  };
}

/**
 * The core of a reply, as scripted agents read it: the verbose opener and closing removed, the
 * final full stop removed, single spaces. `"hmm , let me see , for two . thanks ."` -> `"for two"`.
 */
export function replyCore(text: string): string {
  let s = ` ${text.trim().split(/\s+/).join(' ')} `;
  if (s.endsWith(` ${CLOSING} `)) s = s.slice(0, s.length - CLOSING.length - 1);
  // Longest opener first, repeatedly (an opener may itself start with another).
  const openers = [...FILLERS].sort((a, b) => b.length - a.length);
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of openers) {
      if (s.startsWith(` ${f} `)) {
        s = s.slice(f.length + 1);
        changed = true;
      }
    }
  }
  s = s.trim();
  if (s.endsWith(' .')) s = s.slice(0, -2);
  else if (s === '.') s = '';
  return s.trim();
}

/** Split a multi-part reply core on its commas: "friday , for two" -> ["friday", "for two"]. */
export function replyParts(text: string): string[] {
  return replyCore(text)
    .split(' , ')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}
