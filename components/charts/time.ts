// Time-axis helpers shared by the charts (pure; client-safe).

/** "14:05" within a day, "Dec 3 14:05" over longer ranges */
export function timeTick(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const hm = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return spanMs > 36 * 3600_000 ? `${d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })} ${hm}` : hm;
}

export function timeLabel(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** 0.70123 → "0.7012", 1234.5 → "1,235" */
export function fmt(x: number | null | undefined, unit?: string | null): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const s = Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
  return unit ? `${s} ${unit}` : s;
}

export interface TimeMark {
  at: string;
  label: string;
  kind: 'transition' | 'red-flag';
}
