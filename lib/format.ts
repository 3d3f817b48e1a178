// Display formatting shared by pages and components (pure; safe in client components).
import { isRuleSet, type TCondition, type TSplitArm } from './domain/targeting';

export function formatScalar(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

const OP_TEXT: Record<string, string> = {
  in: 'in',
  not_in: 'not in',
  eq: '=',
  neq: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  starts_with: 'starts with',
  ends_with: 'ends with',
  contains: 'contains',
};

export function describeCondition(c: TCondition): string {
  const vals = c.values.map((v) => formatScalar(v));
  const list = c.op === 'in' || c.op === 'not_in' ? `[${vals.join(', ')}]` : vals.join(' or ');
  return `${c.attribute} ${OP_TEXT[c.op] ?? c.op} ${list}`;
}

export function describeSplit(arms: readonly TSplitArm[]): string {
  return arms.map((a) => `${a.weight}% ${formatScalar(a.value)}`).join(' · ');
}

/** A configured flag value as lines a person can read: the plain value, or its rules. */
export function describeValue(v: unknown): { summary: string; lines: string[] } {
  if (!isRuleSet(v)) return { summary: formatScalar(v), lines: [] };
  const lines: string[] = [];
  for (const r of v.rules ?? []) {
    const when = r.when.map(describeCondition).join(' and ');
    const then = r.split ? describeSplit(r.split) : formatScalar(r.value);
    lines.push(`${r.name ? `${r.name}: ` : ''}if ${when} → ${then}`);
  }
  const rest = v.split ? `split ${describeSplit(v.split)}` : formatScalar(v.default);
  lines.push(`${v.rules?.length ? 'everyone else' : 'everyone'} → ${rest}`);
  const summary = v.split && !v.rules?.length ? describeSplit(v.split) : `${v.rules?.length ?? 0} rule${v.rules?.length === 1 ? '' : 's'}, else ${rest}`;
  return { summary, lines };
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** "3d 4h", "12m", "40s" */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m`;
  return `${s}s`;
}

export function relativeTime(iso: string, now = Date.now()): string {
  const diff = now - new Date(iso).getTime();
  if (diff < 45_000) return 'just now';
  return `${formatElapsed(diff)} ago`;
}

export function formatDateTime(iso: string): string {
  // UTC, unambiguous for a team spread over time zones; the audit stores UTC
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export const ACTION_PAST: Record<string, string> = {
  create: 'created',
  start: 'started',
  promote: 'promoted',
  pause: 'paused',
  resume: 'resumed',
  rollback: 'rolled back',
  abort: 'aborted',
  'plan.edit': 'edited the plan',
  red_flag: 'raised a red flag',
};
