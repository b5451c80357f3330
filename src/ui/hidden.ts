type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * What a person playing the user must know, per task: the 20-questions item and what it is, the
 * missing details of an intent, the code's stages, the travel preferences. Null when the hidden
 * value is not of the task's shape (then the generic summary is used).
 */
const TASK_SUMMARIES: Partial<Record<string, (h: Rec) => string | null>> = {
  '20q': (h) => {
    const item = h.item;
    if (!isRec(item) || typeof item.name !== 'string') return null;
    const answers = isRec(item.answers) ? Object.entries(item.answers) : [];
    const yes = answers.filter(([k, v]) => v === 'yes' && k !== item.kind).map(([k]) => k);
    const maybe = answers.filter(([, v]) => v === 'maybe').map(([k]) => k);
    return `${item.name} (${String(item.kind)})${yes.length ? `: ${yes.join(', ')}` : ''}${maybe.length ? `; maybe ${maybe.join(', ')}` : ''}`;
  },
  intent: (h) => {
    if (!isRec(h.values) || !Array.isArray(h.missing)) return null;
    const missing = h.missing.filter(isRec).map((m) => `${String(m.slot)} ${String(m.value)} (importance ${String(m.importance)})`);
    return `${String(h.domain)}: ${Object.entries(h.values).map(([k, v]) => `${k} ${String(v)}`).join(', ')} · not in the request: ${missing.join(', ') || 'nothing'}`;
  },
  code: (h) => {
    if (!isRec(h.stages)) return null;
    const stages = Object.entries(h.stages).filter(([, v]) => v !== '' && v !== null).map(([k, v]) => `${k} ${String(v)}`);
    return `the code: ${stages.join(', ') || 'no stage'}${h.revealed ? ` (the request tells ${String(h.revealed)})` : ''}${Array.isArray(h.tests) ? ` · ${h.tests.length} hidden tests` : ''}`;
  },
  travel: (h) => {
    if (!isRec(h.prefs)) return null;
    const prefs = Object.entries(h.prefs).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => (String(v) === k || v === true ? k : `${k} ${String(v)}`));
    return `you want: ${prefs.join(', ') || 'nothing in particular'}${Array.isArray(h.hotels) ? ` · ${h.hotels.length} hotels to choose from` : ''}`;
  },
};

/** The hidden information of a task's instance in a line a person can read (TASK_SUMMARIES, else summarizeHidden). */
export function describeHidden(task: string, hidden: unknown): string {
  const own = TASK_SUMMARIES[task];
  const line = own && isRec(hidden) ? own(hidden) : null;
  return line ?? summarizeHidden(hidden);
}

/**
 * A task's hidden information in a line a person can read while playing the user: nulls (no
 * preference) left out, lists of records counted, nested records flattened one level.
 */
export function summarizeHidden(hidden: unknown): string {
  if (hidden === null || hidden === undefined) return '—';
  if (typeof hidden !== 'object') return String(hidden);
  if (Array.isArray(hidden)) return hidden.every((x) => typeof x !== 'object' || x === null) ? hidden.join(', ') : `${hidden.length} items`;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(hidden as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) parts.push(value.every((x) => typeof x !== 'object' || x === null) ? `${key}: ${value.join(', ')}` : `${key}: ${value.length} options`);
    else if (typeof value === 'object') {
      const inner = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => (String(v) === k ? k : `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)); // "parking: parking" reads "parking"
      parts.push(`${key}: ${inner.length ? inner.join(', ') : 'none'}`);
    } else parts.push(`${key}: ${String(value)}`);
  }
  return parts.join(' · ') || '—';
}
