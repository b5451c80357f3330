/**
 * What the page says at load about the setup in its address: one message that agrees with the
 * interrupted runs it offers to resume. Pure, so the decision is unit-tested.
 */

/** How the page was reached (`PerformanceNavigationTiming.type`). */
export type NavigationType = 'navigate' | 'reload' | 'back_forward' | 'prerender';

/**
 * Whether the address holds the page's own setup rather than a link someone opened: a reload or a
 * step back or forward (the address bar always holds the current setup). A link pasted into an open
 * tab also reloads the page; that one is a link (`pastedLink`).
 */
export function isOwnAddress(navigation: NavigationType | undefined, pastedLink: boolean): boolean {
  return !pastedLink && (navigation === 'reload' || navigation === 'back_forward');
}

/**
 * The notice for a setup read from the address, once the run library has been read: none for the
 * page's own address (a reload keeps the setup and says nothing; an interrupted run has its own
 * banner), else that the link's setup is loaded, and, when runs are offered for resuming, that
 * resuming one loads that run's setup instead.
 */
export function linkNotice(opened: { ownAddress: boolean; proofBackend: string | null }, interrupted: number): string | null {
  if (opened.ownAddress) return null;
  const loaded = opened.proofBackend ? `Setup loaded from the link, with its run's fingerprint on ${opened.proofBackend}.` : 'Setup loaded from the link.';
  if (interrupted === 0) return `${loaded} Press Start to reproduce the run.`;
  return `${loaded} Press Start to reproduce the run, or resume ${interrupted === 1 ? 'the interrupted run' : 'an interrupted run'} below (resuming loads that run's own setup).`;
}
