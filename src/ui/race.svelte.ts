/**
 * Race mode and the comparison: InfoPO and GRPO trained side by side in two workers (same config,
 * seed and task instances; only the method differs), and any finished or imported run overlaid.
 * Talks to training only through TrainerClient, like the single run in state.svelte.ts.
 */
import { type Config, type RunRecord } from '../engine';
import { raceConfigs, type ComparedRun } from './compare';
import { TrainerClient, type BackendPreference } from './trainer-client';

export interface RaceLane {
  method: 'infopo' | 'grpo';
  status: 'running' | 'complete' | 'stopped' | 'failed';
  backend: string | null;
  error: string | null;
  record: RunRecord | null;
}

let nextId = 1;

class CompareStore {
  /** Runs on the overlay charts, in order (race lanes first while racing). */
  runs = $state.raw<ComparedRun[]>([]);
  lanes = $state.raw<RaceLane[]>([]);
  /** The backend both race workers use. */
  backend = $state<BackendPreference | null>(null);
  private clients: TrainerClient[] = [];
  private raceIds: number[] = [];

  readonly racing = $derived(this.lanes.some((l) => l.status === 'running'));

  /**
   * Train InfoPO and GRPO at once. "auto" becomes wasm: timing backends in two workers at once
   * would measure their contention, not the backends.
   */
  startRace(config: Config, preference: BackendPreference): void {
    if (this.racing) return;
    this.stopClients();
    const backend: BackendPreference = preference === 'auto' ? 'wasm' : preference;
    this.backend = backend;
    const configs = raceConfigs(config);
    const methods = ['infopo', 'grpo'] as const;
    // Earlier race lanes leave the overlay; added runs stay.
    this.runs = this.runs.filter((r) => !this.raceIds.includes(r.id));
    this.raceIds = methods.map(() => nextId++);
    this.runs = [...methods.map((m, i) => ({ id: this.raceIds[i], label: m === 'infopo' ? 'InfoPO' : 'GRPO', config: configs[m], steps: [], evaluations: [] })), ...this.runs];
    this.lanes = methods.map((method) => ({ method, status: 'running', backend: null, error: null, record: null }));
    methods.forEach((method, i) => {
      const id = this.raceIds[i];
      const client = new TrainerClient((message) => this.fail(i, `the worker crashed: ${message}`));
      this.clients.push(client);
      const plain = JSON.parse(JSON.stringify(configs[method])) as Config;
      client
        .start(plain, backend, (e) => {
          switch (e.type) {
            case 'ready':
              this.patchLane(i, { backend: e.backend });
              break;
            case 'step':
              this.patchRun(id, (r) => ({ ...r, steps: [...r.steps, e.entry] }));
              break;
            case 'evaluation':
              this.patchRun(id, (r) => ({ ...r, evaluations: [...r.evaluations, e.entry] }));
              break;
            case 'complete':
              this.patchLane(i, { status: e.record.status === 'complete' ? 'complete' : e.record.status === 'failed' ? 'failed' : 'stopped', record: e.record });
              break;
            case 'error':
              this.fail(i, e.message);
              break;
          }
        })
        .catch((error: unknown) => this.fail(i, error instanceof Error ? error.message : String(error)));
    });
  }

  /** Ends both lanes before their next RL step (their records are kept). */
  async stopRace(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.stop()));
  }

  /** Overlay a finished, stopped or imported run. */
  add(label: string, record: Pick<RunRecord, 'config' | 'steps' | 'evaluations'>): void {
    if (!record.steps.length) throw new Error(`${label} has no RL steps to compare.`);
    this.runs = [...this.runs, { id: nextId++, label, config: record.config, steps: record.steps, evaluations: record.evaluations }];
  }

  remove(id: number): void {
    this.runs = this.runs.filter((r) => r.id !== id);
  }

  private fail(lane: number, message: string): void {
    if (this.lanes[lane]?.status !== 'running') return;
    this.patchLane(lane, { status: 'failed', error: message });
  }

  private patchLane(i: number, patch: Partial<RaceLane>): void {
    this.lanes = this.lanes.map((l, k) => (k === i ? { ...l, ...patch } : l));
  }

  private patchRun(id: number, f: (r: ComparedRun) => ComparedRun): void {
    this.runs = this.runs.map((r) => (r.id === id ? f(r) : r));
  }

  private stopClients(): void {
    for (const c of this.clients) c.terminate();
    this.clients = [];
  }
}

export const compare = new CompareStore();
