import type { Config } from '../engine';

/** Save `data` as a file named `name` through a temporary link (the page's exports all go through here). */
export function downloadFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The name of a run's exports before the extension: method, task (a list joined by "+") and seed, once each ("infopo-intent-seed1"). */
export function exportStem(config: Pick<Config, 'method' | 'task' | 'seed'>): string {
  return fileStem(`${config.method}-${config.task.replace(/,/g, '+')}-seed${config.seed}`);
}

/** A name a person gave (a stored run's) as a file name: runs of anything but letters, digits, ".", "+", "-" and "_" become one "-". */
export function fileStem(name: string): string {
  return name.replace(/[^\w.+-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}
