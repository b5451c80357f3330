/** Number and time formatting shared by the panels. */

/** Compact number: 4 significant digits, exponent for very small or large magnitudes. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(Math.max(1, digits - 2));
  return Number(x.toPrecision(digits)).toString();
}

/** Signed number (+0.12 / −0.12) for advantages. */
export function signed(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  const s = num(x, digits);
  return x > 0 ? `+${s}` : s;
}

/** Signed fixed-point number (+0.057 / −0.044) for differences and their intervals. */
export function signedFixed(x: number | null | undefined, decimals = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  const s = Math.abs(x).toFixed(decimals);
  return Number(s) === 0 ? s : x > 0 ? `+${s}` : `−${s}`;
}

export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return `${(x * 100).toFixed(x === 1 || x === 0 ? 0 : 1)}%`;
}

/** 950 ms, 12.3 s, 4 min 05 s, 1 h 02 min. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A number as TeX (exponent as ×10^k); negative values in parentheses when `paren`. */
export function tex(x: number | null | undefined, digits = 4, paren = false): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '\\text{—}';
  const s = num(x, digits);
  const m = s.match(/^(-?[\d.]+)e([+-]\d+)$/);
  const body = m ? `${m[1]}\\times 10^{${Number(m[2])}}` : s === '∞' ? '\\infty' : s === '−∞' ? '-\\infty' : s;
  return paren && x < 0 ? `(${body})` : body;
}

/** How test episodes are decoded: "greedy" or "sampled (T = 1)", from a run's evalTemperature. */
export function evalDecoding(evalTemperature: number | undefined): string {
  return evalTemperature !== undefined && evalTemperature > 0 ? `sampled (T = ${evalTemperature})` : 'greedy';
}
