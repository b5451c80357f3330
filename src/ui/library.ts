/**
 * The runs stored in this browser (IndexedDB, through `idb`): each run's record, kept current while
 * it trains, and its latest resumable snapshot (engine/checkpoints/snapshot.ts). The page autosaves into it,
 * offers "Resume run from step k" after a reload or a crashed tab, and lists it in the run library.
 *
 * Two object stores keyed by the run's id: `runs` (a summary for the list plus the record) and
 * `snapshots` (weights and optimizer state: the bulk, read only to resume). Storage can run out:
 * every write turns a quota failure into a StorageFullError the page shows without stopping the run.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { snapshotBytes, type RunRecord, type RunSnapshot } from '../engine';

export const DB_NAME = 'infopo-sandbox';
const DB_VERSION = 1;

/** One row of the run library. */
export interface StoredRun {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  method: string;
  task: string;
  /** The record's status; 'running' in the store with no tab training it = interrupted (resumable if it has a snapshot). */
  status: RunRecord['status'];
  steps_done: number;
  total_steps: number;
  /** Test success of the last evaluation, or null before any. */
  final_success: number | null;
  /** RL step of the stored snapshot (0: none). */
  snapshot_step: number;
  /** Backend the snapshot was made on (resuming elsewhere gives another fingerprint). */
  snapshot_backend: string | null;
  /** Bytes of the snapshot's arrays (0: none). */
  snapshot_bytes: number;
  /** Approximate bytes stored: record JSON + snapshot arrays. */
  size: number;
  record: RunRecord;
}

interface LibrarySchema extends DBSchema {
  runs: { key: string; value: StoredRun; indexes: { created_at: string } };
  snapshots: { key: string; value: RunSnapshot };
}

/** The browser refused to store more (quota); the message says what to do. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

function isQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_REACHED');
}

async function usageLine(): Promise<string> {
  try {
    const est = await navigator.storage?.estimate?.();
    if (est?.usage !== undefined && est.quota) return ` (${(est.usage / 1e6).toFixed(1)} MB used of ${(est.quota / 1e6).toFixed(0)} MB)`;
  } catch {
    // No estimate: the message goes without numbers.
  }
  return '';
}

async function guarded<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isQuotaError(e)) throw new StorageFullError(`${what}: this browser's storage for the page is full${await usageLine()}. Delete runs in the run library to make room.`);
    throw e;
  }
}

let dbPromise: Promise<IDBPDatabase<LibrarySchema>> | null = null;
function db(): Promise<IDBPDatabase<LibrarySchema>> {
  dbPromise ??= openDB<LibrarySchema>(DB_NAME, DB_VERSION, {
    upgrade(d) {
      const runs = d.createObjectStore('runs', { keyPath: 'id' });
      runs.createIndex('created_at', 'created_at');
      d.createObjectStore('snapshots');
    },
  });
  return dbPromise;
}

/** Forget the open connection (tests delete the database between cases). */
export function closeLibrary(): void {
  void dbPromise?.then((d) => d.close());
  dbPromise = null;
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function defaultRunName(record: Pick<RunRecord, 'config'>): string {
  const c = record.config;
  return `${c.method} · ${c.task} · seed ${c.seed}`;
}

function summary(id: string, record: RunRecord, previous: StoredRun | undefined, snapshot: RunSnapshot | null): StoredRun {
  const now = new Date().toISOString();
  const last = record.evaluations[record.evaluations.length - 1];
  const snapBytes = snapshot ? snapshotBytes(snapshot) : (previous?.snapshot_bytes ?? 0);
  return {
    id,
    name: previous?.name ?? defaultRunName(record),
    created_at: previous?.created_at ?? now,
    updated_at: now,
    method: record.config.method,
    task: record.config.task,
    status: record.status,
    steps_done: record.steps.length,
    total_steps: record.config.steps,
    final_success: last ? last.success : null,
    snapshot_step: snapshot ? snapshot.step : (previous?.snapshot_step ?? 0),
    snapshot_backend: snapshot ? snapshot.record.environment.backend : (previous?.snapshot_backend ?? null),
    snapshot_bytes: snapBytes,
    size: JSON.stringify(record).length + snapBytes,
    record,
  };
}

/** Store (or update) a run's record; with `snapshot`, also its newest snapshot, in one transaction. */
export async function saveRun(id: string, record: RunRecord, snapshot: RunSnapshot | null = null): Promise<StoredRun> {
  const d = await db();
  return guarded(snapshot ? `Autosave of step ${snapshot.step} failed` : 'Saving the run failed', async () => {
    const tx = d.transaction(['runs', 'snapshots'], 'readwrite');
    const previous = await tx.objectStore('runs').get(id);
    const row = summary(id, record, previous, snapshot);
    await tx.objectStore('runs').put(row);
    if (snapshot) await tx.objectStore('snapshots').put(snapshot, id);
    await tx.done;
    return row;
  });
}

/** Every stored run, newest first. */
export async function listRuns(): Promise<StoredRun[]> {
  const rows = await (await db()).getAllFromIndex('runs', 'created_at');
  return rows.reverse();
}

export async function getSnapshot(id: string): Promise<RunSnapshot | undefined> {
  return (await db()).get('snapshots', id);
}

export async function renameRun(id: string, name: string): Promise<void> {
  const trimmed = name.trim();
  if (!trimmed) throw new Error('A run needs a name.');
  if (trimmed.length > 120) throw new Error('A run name has at most 120 characters.');
  const d = await db();
  await guarded('Renaming failed', async () => {
    const tx = d.transaction('runs', 'readwrite');
    const row = await tx.store.get(id);
    if (!row) throw new Error('That run is no longer stored.');
    await tx.store.put({ ...row, name: trimmed });
    await tx.done;
  });
}

/** Set a stored run's status without touching its record's steps (e.g. an interrupted run the user discards). */
export async function setStatus(id: string, status: RunRecord['status']): Promise<void> {
  const d = await db();
  const tx = d.transaction('runs', 'readwrite');
  const row = await tx.store.get(id);
  if (row) await tx.store.put({ ...row, status, record: { ...row.record, status } });
  await tx.done;
}

export async function deleteRun(id: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'snapshots'], 'readwrite');
  await Promise.all([tx.objectStore('runs').delete(id), tx.objectStore('snapshots').delete(id)]);
  await tx.done;
}

/** Web Lock held by the tab that trains run `id`: a 'running' run whose lock is free was interrupted. */
export function runLockName(id: string): string {
  return `infopo-run-${id}`;
}

/** Whether some tab holds run `id`'s lock now (false where Web Locks do not exist: the person then decides). */
export async function isRunLive(id: string): Promise<boolean> {
  if (typeof navigator === 'undefined' || !navigator.locks) return false;
  const state = await navigator.locks.query();
  return (state.held ?? []).some((l) => l.name === runLockName(id));
}

/** Runs that were training when their tab went away and have a snapshot to resume from. */
export async function interruptedRuns(): Promise<StoredRun[]> {
  const out: StoredRun[] = [];
  for (const r of await listRuns()) if (r.status === 'running' && r.snapshot_step > 0 && !(await isRunLive(r.id))) out.push(r);
  return out;
}

/** How often the page autosaves: every step for short runs, about 30 snapshots over a long one, at most every 10 steps. */
export function autosaveEvery(steps: number): number {
  return Math.min(10, Math.max(1, Math.round(steps / 30)));
}
