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
