// A small structural diff of two plan documents (or any JSON values): one entry per leaf that
// differs, named by path like validatePlan's problems (`phases[1].flags.MY_ENGINE`). Objects are
// compared key by key, arrays index by index; a value present on one side only has `before` or
// `after` absent. Pure: the plan-edit service stores the result in its audit row.
export interface PlanDiffEntry {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

export function diffPlans(before: unknown, after: unknown, path = ''): PlanDiffEntry[] {
  const out: PlanDiffEntry[] = [];
  walk(before, after, path, out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: PlanDiffEntry[]): void {
  if (a === undefined && b === undefined) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], join(path, i), out);
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) walk(a[k], b[k], join(path, k), out);
    return;
  }
  if (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b)) return;
  const entry: PlanDiffEntry = { path: path || '(plan)' };
  if (a !== undefined) entry.before = a;
  if (b !== undefined) entry.after = b;
  out.push(entry);
}

/** The parts of a gate (gateFingerprint's members) that differ between two versions of a phase. */
export const GATE_PARTS = ['checklist', 'signoffs', 'flags', 'criteria'] as const;
export function changedGateParts(before: Record<string, unknown>, after: Record<string, unknown>): (typeof GATE_PARTS)[number][] {
  const empty = { checklist: [], signoffs: null, flags: {}, criteria: [] } as const;
  return GATE_PARTS.filter((p) => diffPlans(before[p] ?? empty[p], after[p] ?? empty[p]).length > 0);
}
