/** What a `userModel` value names (no model runtime here: the config validates with it). */
import { USER_LM_NAME } from './prompt';

/** The default: the personas' templates, no language model. */
export const SCRIPTED_USER = 'scripted';

export type UserModelSource = { kind: 'scripted' } | { kind: 'shipped'; name: string } | { kind: 'folder'; path: string } | { kind: 'hub'; id: string };

/**
 * What a `userModel` value names: `scripted`, `user-lm` (the shipped model), a checkpoint folder
 * (a path starting with /, ./, ../ or ~: the command line only), or a Hub id `owner/name`.
 */
export function userModelSource(spec: string): UserModelSource {
  if (spec === SCRIPTED_USER) return { kind: 'scripted' };
  if (spec === USER_LM_NAME) return { kind: 'shipped', name: USER_LM_NAME };
  if (/^(\/|\.{1,2}[/\\]|~|[A-Za-z]:[/\\])/.test(spec)) return { kind: 'folder', path: spec };
  if (/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(spec)) return { kind: 'hub', id: spec };
  throw new Error(`userModel "${spec}": expected ${SCRIPTED_USER}, ${USER_LM_NAME}, a checkpoint folder (a path starting with / or ./) or a Hub model id (owner/name)`);
}

/** The check the config schema runs on userModel / evalUserModel. */
export function isUserModelSpec(spec: string): boolean {
  try {
    userModelSource(spec);
    return true;
  } catch {
    return false;
  }
}
