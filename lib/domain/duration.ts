// Durations in plans: "90s", "30m", "24h", "7d", "2w" (or combinations like "1d12h"); "0m" = none.
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_RE = /^(?:\d+[smhdw])+$/;

export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!DURATION_RE.test(t)) return null;
  let total = 0;
  for (const [, n, u] of t.matchAll(/(\d+)([smhdw])/g)) total += Number(n) * UNIT_SECONDS[u];
  return total;
}

export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0m';
  const parts: string[] = [];
  let rest = seconds;
  for (const [u, s] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= s) {
      parts.push(`${Math.floor(rest / s)}${u}`);
      rest %= s;
    }
  }
  return parts.join('');
}
