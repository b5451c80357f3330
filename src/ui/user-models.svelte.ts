/** The LM users of this tab's worker as page state: each userModel value's loading, fed by the worker's events. */
import type { UserModelEvent } from '../worker/protocol';
import { withUserModelEvent, type UserModelStates } from './user-models';

class UserModelStore {
  states = $state.raw<UserModelStates>({});
  on(e: UserModelEvent): void {
    this.states = withUserModelEvent(this.states, e);
  }
  /** A load that failed without the worker's event (it reports its refusals itself before rejecting). */
  failed(spec: string, message: string): void {
    const prev = this.states[spec];
    if (prev?.status !== 'failed') this.on({ type: 'user-model', spec, device: prev?.device ?? 'wasm', status: 'failed', message });
  }
  /** A new worker (after an abort) holds no model: what was loaded loads again when next asked for. */
  forget(): void {
    this.states = {};
  }
}

export const userModels = new UserModelStore();
