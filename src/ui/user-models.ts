/**
 * The user simulator controls' model (pure, unit-tested): which choice a userModel value is, and
 * what the page knows of each LM user's loading in the worker (the worker's UserModelEvents).
 */
import { formatBytes, isUserModelSpec, SCRIPTED_USER, USER_LM_NAME, userModelSource } from '../engine';
import type { UserModelDevice, UserModelEvent } from '../worker/protocol';

/** The select's options: as in training (evalUserModel only), the personas, the shipped LM user, a Hub id typed in. */
export type UserModelChoice = 'same' | 'scripted' | 'shipped' | 'hub';

/** The choice a value shows as: anything but '', scripted and user-lm is typed text (a Hub id, or a value the form flags). */
export function userModelChoice(value: string): UserModelChoice {
  if (value === '') return 'same';
  if (value === SCRIPTED_USER) return 'scripted';
  if (value === USER_LM_NAME) return 'shipped';
  return 'hub';
}

/** Whether the worker should load this value on its own when it is chosen: the shipped model only (a Hub model is downloaded on request). */
export function loadsWhenChosen(value: string): boolean {
  return isUserModelSpec(value) && userModelSource(value).kind === 'shipped';
}

/** What the page knows of one userModel value's LM user in the worker. */
export type UserModelState = { device: UserModelDevice } & ({ status: 'loading'; fraction: number; file: string } | { status: 'loaded'; name: string; bytes: number } | { status: 'failed'; message: string });

export type UserModelStates = Readonly<Record<string, UserModelState>>;

/** The states after one event of the worker (progress never runs backwards within one load). */
export function withUserModelEvent(states: UserModelStates, e: UserModelEvent): UserModelStates {
  const prev = states[e.spec];
  let next: UserModelState;
  if (e.status === 'loading') {
    const before = prev?.status === 'loading' && prev.device === e.device ? prev.fraction : 0;
    next = { device: e.device, status: 'loading', fraction: Math.min(1, Math.max(before, e.fraction)), file: e.file || (prev?.status === 'loading' ? prev.file : '') };
  } else if (e.status === 'loaded') next = { device: e.device, status: 'loaded', name: e.name, bytes: e.bytes };
  else next = { device: e.device, status: 'failed', message: e.message };
  return { ...states, [e.spec]: next };
}

/** One line for a loaded LM user: its name, the size of its weights, where it runs. */
export function loadedLine(s: Extract<UserModelState, { status: 'loaded' }>): string {
  return `${s.name}: ${formatBytes(s.bytes)} of weights, on ${s.device === 'webgpu' ? 'WebGPU' : 'wasm'}`;
}
