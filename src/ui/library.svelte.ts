/**
 * The run library as page state: the stored runs (newest first), the interrupted ones to offer
 * for resuming, and storage errors (a short banner; the run goes on unsaved). Writes go through one
 * queue so a run's snapshots land in order and never race its final record.
 */
import type { RunRecord, RunSnapshot } from '../engine';
import { deleteRun, getSnapshot, interruptedRuns, listRuns, renameRun, runLockName, saveRun, setStatus, StorageFullError, type StoredRun } from './library';

class LibraryStore {
  rows = $state.raw<StoredRun[]>([]);
  /** Interrupted runs with a snapshot (found at page load), offered for resuming. */
  interrupted = $state.raw<StoredRun[]>([]);
  /** The last storage failure (quota, or IndexedDB unavailable), shown as a banner. */
  error = $state<string | null>(null);
  available = $state(true);
  private queue: Promise<unknown> = Promise.resolve();
  private locks = new Map<string, () => void>();

  async refresh(): Promise<void> {
    try {
      this.rows = await listRuns();
    } catch (e) {
      this.available = false;
      this.error = `The run library is unavailable in this browser (IndexedDB: ${e instanceof Error ? e.message : String(e)}); runs are not autosaved.`;
    }
  }

  /** At page load: list the runs and find the ones a reload or a crash interrupted. */
  async load(): Promise<void> {
    await this.refresh();
    if (!this.available) return;
    this.interrupted = await interruptedRuns();
  }

  /** Queue a write; a failure becomes the banner, never an exception in the run's path. */
  private write(what: () => Promise<unknown>, refresh = true): Promise<void> {
    const next = this.queue.then(what).then(
      () => (refresh ? this.refresh() : undefined),
      (e: unknown) => {
        this.error = e instanceof StorageFullError ? e.message : `Saving to the run library failed: ${e instanceof Error ? e.message : String(e)}`;
      },
    );
    this.queue = next;
    return next;
  }

  /** Store the run's record (and snapshot); resolves with whether it was stored. */
  save(id: string, record: RunRecord, snapshot: RunSnapshot | null = null): Promise<boolean> {
    if (!this.available) return Promise.resolve(false);
    let ok = false;
    // Autosaves come every step or few: update this run's row in place instead of re-reading every stored record.
    return this.write(async () => {
      const row = await saveRun(id, record, snapshot);
      const at = this.rows.findIndex((r) => r.id === id);
      this.rows = at < 0 ? [row, ...this.rows] : this.rows.map((r, i) => (i === at ? row : r));
      ok = true;
    }, false).then(() => ok);
  }

  rename(id: string, name: string): Promise<void> {
    return this.write(() => renameRun(id, name));
  }

  remove(id: string): Promise<void> {
    this.interrupted = this.interrupted.filter((r) => r.id !== id);
    return this.write(() => deleteRun(id));
  }

  /** The person declined to resume: the run stays in the library as stopped. */
  discard(id: string): Promise<void> {
    this.interrupted = this.interrupted.filter((r) => r.id !== id);
    return this.write(() => setStatus(id, 'stopped'));
  }

  snapshot(id: string): Promise<RunSnapshot | undefined> {
    return getSnapshot(id);
  }

  /** Hold run `id`'s Web Lock while this tab trains it (other tabs then do not offer to resume it). */
  hold(id: string): void {
    if (typeof navigator === 'undefined' || !navigator.locks || this.locks.has(id)) return;
    void navigator.locks.request(runLockName(id), () => new Promise<void>((release) => this.locks.set(id, release)));
  }

  release(id: string): void {
    this.locks.get(id)?.();
    this.locks.delete(id);
  }
}

export const library = new LibraryStore();
