/** The task registry: every family the sandbox knows, by id. */
import type { TaskFamily } from './types';
import { twentyQuestions } from './twenty-questions';
import { intent } from './intent';
import { coding } from './coding';
import { travel } from './travel';
import { mastermind } from './mastermind';

export type { TaskFamily, TaskInstance, Episode, Reply, Outcome, AgentView, Exchange, ScriptedAgent, Split, EpisodeOptions } from './types';

export const TASKS: Record<string, TaskFamily> = {
  [twentyQuestions.id]: twentyQuestions,
  [intent.id]: intent,
  [coding.id]: coding,
  [travel.id]: travel,
  [mastermind.id]: mastermind,
};

export const TASK_IDS = Object.keys(TASKS);

export function getTask(id: string): TaskFamily {
  const task = TASKS[id];
  if (!task) throw new Error(`Unknown task "${id}". Known tasks: ${TASK_IDS.join(', ')}`);
  return task;
}
