// The plan document a rollout is created from (JSON or YAML). Parsed and validated here, once;
// services take the typed result. A bad plan is rejected whole, every problem listed by path.
import { z } from 'zod';
import { envName } from './env-name';
import { parseDuration } from './duration';
import { findUnsafeInput, formatBytes, formatCount, LIMITS } from '../limits';
import { isRuleSet, possibleValues, ZRuleSet } from './targeting';
import { evidencePlanProblems, ZCriterion, ZMetric, ZRedFlag } from './criteria';
import { templateProblems } from './comms';

export const FLAG_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

const slug = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.keyLength, `at most ${LIMITS.keyLength} characters`)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes (a slug)');
const flagKey = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.flagKeyLength, `at most ${LIMITS.flagKeyLength} characters`)
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'start with a letter; letters, digits, _ . - only');

const name = z.string().min(1, 'must not be empty').max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`);
const description = z.string().max(LIMITS.descriptionLength, `at most ${formatCount(LIMITS.descriptionLength)} characters`);
const maxItems = (n: number, what: string) => `at most ${formatCount(n)} ${what}`;

export const ZPlanFlag = z.strictObject({
  key: flagKey,
  type: z.enum(FLAG_TYPES),
  description: description.optional(),
  variants: z
    .array(z.string().min(1, 'must not be empty').max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`))
    .min(1)
    .max(LIMITS.variantsPerFlag, maxItems(LIMITS.variantsPerFlag, 'variants'))
    .optional(),
  baseline: z.unknown(),
});

const text = (max: number) => z.string().min(1, 'must not be empty').max(max, `at most ${formatCount(max)} characters`);

/** A checklist item of a phase: guards entering the phase while it is required and unticked. */
export const ZChecklistItem = z.strictObject({
  key: slug,
  text: text(LIMITS.nameLength * 5),
  required: z.boolean().default(true),
  owner: text(LIMITS.nameLength).optional(),
});

/** The sign-off rule of a phase gate: `required` approvals from distinct people holding `roles`. */
export const ZSignoffRule = z.strictObject({
  roles: z.array(text(LIMITS.nameLength)).min(1, 'name at least one role').max(20, 'at most 20 roles'),
  required: z.number().int('a whole number').min(1, 'at least 1').max(20, 'at most 20'),
  // four eyes: by default the approval of the person who promotes does not count
  allowSelfApproval: z.boolean().default(false),
});

export const COMMS_WHEN = ['before', 'after'] as const;
export const ZComm = z.strictObject({
  audience: text(LIMITS.nameLength),
  when: z.enum(COMMS_WHEN),
  template: text(LIMITS.descriptionLength),
  // optional offset for schedules like seed 003's D-7 … D+30 ("7d" before / after the transition)
  offset: z.string().max(32, 'at most 32 characters').optional(),
});

/** Seed 002's decision matrix: what to do if … happens in this phase. */
export const ZDecision = z.strictObject({
  issue: text(LIMITS.nameLength * 2),
  action: text(LIMITS.nameLength),
  note: text(LIMITS.descriptionLength).optional(),
});

export const ZPlanPhase = z.strictObject({
  key: slug,
  name,
  description: description.optional(),
  minDuration: z.union([z.string().max(32, 'at most 32 characters'), z.literal(0)]).optional(),
  // environment keys this phase applies to; absent or empty = every environment
  environments: z.array(slug).max(LIMITS.environmentsPerPhase, maxItems(LIMITS.environmentsPerPhase, 'environments')).optional(),
  flags: z.record(z.string(), z.unknown()).default({}),
  // governance (guards ENTERING the phase): checklist and sign-offs; and what goes with it
  checklist: z.array(ZChecklistItem).max(100, 'at most 100 checklist items').optional(),
  signoffs: ZSignoffRule.optional(),
  comms: z.array(ZComm).max(50, 'at most 50 messages').optional(),
  decisions: z.array(ZDecision).max(100, 'at most 100 decisions').optional(),
  // evidence (guards LEAVING the phase): success criteria, and red flags that act on their own
  criteria: z.array(ZCriterion).max(50, 'at most 50 criteria').optional(),
  redFlags: z.array(ZRedFlag).max(50, 'at most 50 red flags').optional(),
});
export type TChecklistItem = z.infer<typeof ZChecklistItem>;
export type TSignoffRule = z.infer<typeof ZSignoffRule>;

export const ZPlan = z.strictObject({
  key: slug,
  name,
  description: description.optional(),
  owner: z.string().max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`).optional(),
  // what criteria and red flags measure (docs/plan-format.md, Evidence)
  metrics: z.array(ZMetric).max(100, 'at most 100 metrics').optional(),
  flags: z.array(ZPlanFlag).min(1, 'a plan needs at least one flag').max(LIMITS.flagsPerPlan, maxItems(LIMITS.flagsPerPlan, 'flags per plan')),
  phases: z.array(ZPlanPhase).min(1, 'a plan needs at least one phase').max(LIMITS.phasesPerPlan, maxItems(LIMITS.phasesPerPlan, 'phases per plan')),
});
export type TPlan = z.infer<typeof ZPlan>;
export type TPlanFlag = z.infer<typeof ZPlanFlag>;
export type TPlanPhase = z.infer<typeof ZPlanPhase>;

export interface PlanProblem {
  path: string;
  message: string;
}

export type PlanResult = { ok: true; plan: TPlan; minDurations: number[] } | { ok: false; problems: PlanProblem[] };

/** `flags[0].baseline`; an empty path (the whole document) reads as `root`. */
export function formatPath(path: readonly PropertyKey[], root = '(plan)'): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || root;
}

/** why a flag value is too large to store and serve, or null */
function valueSizeProblem(v: unknown): string | null {
  if (v === undefined) return null;
  const bytes = new TextEncoder().encode(JSON.stringify(v)).length;
  return bytes > LIMITS.valueBytes ? `the value is ${formatCount(bytes)} bytes as JSON; at most ${formatBytes(LIMITS.valueBytes)} per flag value` : null;
}

function typeProblem(type: FlagType, variants: string[] | undefined, v: unknown): string | null {
  switch (type) {
    case 'boolean':
      return typeof v === 'boolean' ? null : `expected true or false, got ${JSON.stringify(v)}`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? null : `expected a number, got ${JSON.stringify(v)}`;
    case 'string':
      if (typeof v !== 'string') return `expected a string, got ${JSON.stringify(v)}`;
      if (variants && !variants.includes(v)) return `"${v}" is not one of the variants (${variants.join(', ')})`;
      return null;
    case 'json':
      return v === undefined ? 'a value is required' : null;
  }
}

/**
 * Validates a plan document (already parsed from JSON/YAML). Structural problems (zod) and
 * semantic ones (flag references, variants, types, durations) are reported together: the
 * semantic checks run on every flag and phase entry that is structurally sound.
 */
export function validatePlan(input: unknown): PlanResult {
  // first, what no later check may even walk into: nesting past the depth limit, NULs and
  // lone surrogates (Postgres can store neither). Server actions reach here without readBody.
  const unsafe = findUnsafeInput(input);
  if (unsafe) return { ok: false, problems: [{ path: formatPath(unsafe.path), message: unsafe.message }] };
  const parsed = ZPlan.safeParse(input);
  const problems: PlanProblem[] = protoFlagKeys(input);
  let plan: TPlan;
  if (parsed.success) {
    plan = parsed.data;
  } else {
    problems.push(...parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const sound = <T,>(schema: z.ZodType<T>, xs: unknown): (T | undefined)[] =>
      Array.isArray(xs) ? xs.map((x) => { const r = schema.safeParse(x); return r.success ? r.data : undefined; }) : [];
    // keep indexes aligned with the document so paths stay right; unsound entries are skipped
    const flagsRaw = sound(ZLooseFlag, raw.flags) as (TPlanFlag | undefined)[];
    const phasesRaw = sound(ZLoosePhase, raw.phases) as (TPlanPhase | undefined)[];
    semanticChecks(flagsRaw, phasesRaw, problems);
    problems.push(...evidencePlanProblems(input));
    return { ok: false, problems: dedupe(problems) };
  }
  const minDurations = semanticChecks(plan.flags, plan.phases, problems);
  problems.push(...evidencePlanProblems(input));
  return problems.length ? { ok: false, problems } : { ok: true, plan, minDurations };
}

/**
 * zod's record drops an own "__proto__" key without a problem (JSON.parse and YAML both make
 * one), so a phase could set a flag no plan has and pass: name it as the unknown flag it is.
 */
function protoFlagKeys(input: unknown): PlanProblem[] {
  const phases = typeof input === 'object' && input !== null ? (input as { phases?: unknown }).phases : undefined;
  if (!Array.isArray(phases)) return [];
  return phases.flatMap((ph, i) => {
    const flags = typeof ph === 'object' && ph !== null ? (ph as { flags?: unknown }).flags : undefined;
    return typeof flags === 'object' && flags !== null && Object.hasOwn(flags, '__proto__')
      ? [{ path: `phases[${i}].flags.__proto__`, message: 'unknown flag' }]
      : [];
  });
}

// Lenient readings of a flag / phase entry, for semantic checks on a structurally bad plan:
// each field falls back to "absent" rather than failing the entry.
const ZLooseFlag = z.object({
  key: z.string().catch(''),
  type: z.enum(FLAG_TYPES).catch('json'),
  variants: z.array(z.string()).optional().catch(undefined),
  baseline: z.unknown(),
});
const ZLoosePhase = z.object({
  key: z.string().catch(''),
  name: z.string().catch(''),
  minDuration: z.union([z.string(), z.literal(0)]).optional().catch(undefined),
  environments: z.array(z.string()).optional().catch(undefined),
  flags: z.record(z.string(), z.unknown()).catch({}),
  checklist: z.array(z.object({ key: z.string().catch('') })).optional().catch(undefined),
  signoffs: z.object({ roles: z.array(z.string()).catch([]) }).optional().catch(undefined),
  comms: z.array(z.object({ offset: z.string().optional().catch(undefined), template: z.string().optional().catch(undefined) })).optional().catch(undefined),
});

function dedupe(ps: PlanProblem[]): PlanProblem[] {
  const seen = new Set<string>();
  return ps.filter((p) => (seen.has(p.path + p.message) ? false : (seen.add(p.path + p.message), true)));
}

function semanticChecks(
  flagList: readonly (TPlanFlag | undefined)[],
  phaseList: readonly (TPlanPhase | undefined)[],
  problems: PlanProblem[],
): number[] {
  const flags = new Map<string, TPlanFlag>();
  // the .env export names each flag envName(key): two keys with one name would overwrite each other
  const byEnvName = new Map<string, { key: string; index: number }>();

  flagList.forEach((f, i) => {
    if (!f) return;
    if (f.key && flags.has(f.key)) problems.push({ path: `flags[${i}].key`, message: `duplicate flag key ${f.key}` });
    else if (f.key) {
      const name = envName(f.key);
      const other = byEnvName.get(name);
      if (other) {
        problems.push({
          path: `flags[${i}].key`,
          message: `"${f.key}" and "${other.key}" (flags[${other.index}]) both export as ${name} in the .env export; flag keys must differ after mapping characters other than letters, digits and _ to _`,
        });
      } else byEnvName.set(name, { key: f.key, index: i });
    }
    flags.set(f.key, f);
    if (f.variants && f.type !== 'string') {
      problems.push({ path: `flags[${i}].variants`, message: 'variants are only for string flags' });
    }
    if (f.variants && new Set(f.variants).size !== f.variants.length) {
      problems.push({ path: `flags[${i}].variants`, message: 'variants must be distinct' });
    }
    if (f.baseline === undefined) problems.push({ path: `flags[${i}].baseline`, message: 'a baseline value is required' });
    else {
      const p = typeProblem(f.type, f.variants, f.baseline) ?? valueSizeProblem(f.baseline);
      if (p) problems.push({ path: `flags[${i}].baseline`, message: p });
    }
  });

  const phaseKeys = new Set<string>();
  const minDurations: number[] = [];
  phaseList.forEach((ph, i) => {
    if (!ph) return;
    if (ph.key && phaseKeys.has(ph.key)) problems.push({ path: `phases[${i}].key`, message: `duplicate phase key ${ph.key}` });
    phaseKeys.add(ph.key);
    if (ph.key === 'baseline') problems.push({ path: `phases[${i}].key`, message: '"baseline" is reserved' });

    const itemKeys = new Set<string>();
    (ph.checklist ?? []).forEach((item, j) => {
      if (itemKeys.has(item.key)) problems.push({ path: `phases[${i}].checklist[${j}].key`, message: `duplicate checklist item ${item.key}` });
      itemKeys.add(item.key);
    });
    if (ph.signoffs && new Set(ph.signoffs.roles).size !== ph.signoffs.roles.length) {
      problems.push({ path: `phases[${i}].signoffs.roles`, message: 'roles must be distinct' });
    }
    (ph.comms ?? []).forEach((c, j) => {
      if (c.offset !== undefined && parseDuration(c.offset) === null) problems.push({ path: `phases[${i}].comms[${j}].offset`, message: `"${c.offset}" is not a duration like 1h, 7d` });
      // a template naming a variable Switchyard does not fill would go out with "{{…}}" in it
      if (typeof c.template === 'string') for (const message of templateProblems(c.template)) problems.push({ path: `phases[${i}].comms[${j}].template`, message });
    });

    let seconds = 0;
    if (ph.minDuration !== undefined && ph.minDuration !== 0) {
      const s = parseDuration(ph.minDuration);
      if (s === null) problems.push({ path: `phases[${i}].minDuration`, message: `"${ph.minDuration}" is not a duration like 30m, 24h, 7d` });
      else if (s > LIMITS.durationSeconds) {
        problems.push({ path: `phases[${i}].minDuration`, message: `"${ph.minDuration}" is too long: at most ${LIMITS.durationSeconds / 86400}d` });
      } else seconds = s;
    }
    minDurations.push(seconds);

    for (const [key, value] of Object.entries(ph.flags)) {
      const path = `phases[${i}].flags.${key}`;
      const flag = flags.get(key);
      if (!flag) {
        problems.push({ path, message: 'unknown flag' });
        continue;
      }
      const tooLarge = valueSizeProblem(value);
      if (tooLarge) {
        problems.push({ path, message: tooLarge });
        continue;
      }
      if (isRuleSet(value)) {
        const rs = ZRuleSet.safeParse(value);
        if (!rs.success) {
          for (const issue of rs.error.issues) problems.push({ path: `${path}${issue.path.length ? '.' + formatPath(issue.path) : ''}`, message: issue.message });
          continue;
        }
      }
      for (const v of possibleValues(value)) {
        const p = typeProblem(flag.type, flag.variants, v);
        if (p) problems.push({ path, message: p });
      }
    }
  });

  return minDurations;
}
