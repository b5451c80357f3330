/**
 * What InfoPO changes, per question: whether the feedback a question drew was informative (it
 * changed what the agent can know: the family's describeFeedback), and which advantage tied groups
 * gave it. One classification for the trainer's step metrics (the race's mechanism charts) and the
 * replication report's analysis of traces (analysis/replicate-analysis.ts).
 */
import type { AgentView, Exchange, TaskFamily } from '../tasks/types';
import type { EpisodeSettings } from '../config';

/**
 * Informative or not, for every question of a dialogue: every turn but its last (the last one's
 * feedback, if any, steers nothing).
 */
export function questionsInformative(family: TaskFamily, request: string, exchanges: readonly Exchange[], maxTurns: number, simulator: Partial<EpisodeSettings>): boolean[] {
  const view: AgentView = { request, exchanges, maxTurns, simulator };
  const out: boolean[] = [];
  for (let i = 0; i < exchanges.length - 1; i++) out.push(family.describeFeedback(view, i).informative);
  return out;
}

/** Running sums of the mechanism's three quantities; NaN for a quantity with nothing to average. */
export class MechanismTally {
  questions = 0;
  uninformative = 0;
  readonly tied = { informative: { sum: 0, n: 0 }, uninformative: { sum: 0, n: 0 } };

  /** One dialogue's questions; `tiedAdvantages[i]`, when the group is tied, is question i's mean token advantage (NaN: it has none). */
  add(informative: readonly boolean[], tiedAdvantages: readonly number[] | null): void {
    informative.forEach((inf, i) => {
      this.questions++;
      if (!inf) this.uninformative++;
      if (tiedAdvantages && Number.isFinite(tiedAdvantages[i])) {
        const cls = inf ? this.tied.informative : this.tied.uninformative;
        cls.sum += tiedAdvantages[i];
        cls.n++;
      }
    });
  }

  get uninformativeShare(): number {
    return this.questions ? this.uninformative / this.questions : NaN;
  }

  tiedCredit(kind: 'informative' | 'uninformative'): number {
    const c = this.tied[kind];
    return c.n ? c.sum / c.n : NaN;
  }
}
