/** Every word the sandbox can say: all task families, the counterfactual placeholder. */
import { TASKS } from '../tasks';
import { DEFAULT_PLACEHOLDER } from './special';

export function allVocabularyWords(): string[] {
  return [...Object.values(TASKS).flatMap((t) => t.vocabulary()), DEFAULT_PLACEHOLDER];
}
