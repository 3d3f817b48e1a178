// Targeting inside a phase: a flag's value in a phase is either a plain value or a rule set,
// evaluated against the caller's evaluation context. Pure: no I/O.
//
//   MATCH_ENGINE_V1:                       # allow-list (seed 002's internal beta)
//     rules:
//       - name: Internal beta users
//         when: [{ attribute: targetingKey, op: in, values: [andy@hotmatch.com] }]
//         value: true
//     default: false
//   MARKETPLACE_BACKEND:                   # sticky 50/50 split (seed 001's A/B phase)
//     split: [{ value: v1, weight: 50 }, { value: v2, weight: 50 }]
//
// A value is a rule set when it is an object whose keys are only `rules`, `default` and
// `split`, with `default` or `split` present. (A json flag whose plain value has exactly that
// shape is written as `{ default: <value> }`.)
import { z } from 'zod';

export type FlagScalar = string | number | boolean;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export const OPERATORS = ['in', 'not_in', 'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'starts_with', 'ends_with', 'contains'] as const;
export type Operator = (typeof OPERATORS)[number];

const zJson: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(zJson), z.record(z.string(), zJson)]),
);

export const ZCondition = z.strictObject({
  attribute: z.string().min(1, 'attribute is required'),
  op: z.enum(OPERATORS),
  values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1, 'at least one value'),
});
export type TCondition = z.infer<typeof ZCondition>;

export const ZSplitArm = z.strictObject({
  value: zJson,
  weight: z.number().min(0).max(100),
});
export type TSplitArm = z.infer<typeof ZSplitArm>;

const zSplit = z
  .array(ZSplitArm)
  .min(1, 'a split needs at least one arm')
  .refine((arms) => Math.abs(arms.reduce((s, a) => s + a.weight, 0) - 100) < 1e-9, {
    message: 'split weights must add up to 100',
  });

export const ZRule = z
  .strictObject({
    name: z.string().optional(),
    when: z.array(ZCondition).min(1, 'a rule needs at least one condition'),
    value: zJson.optional(),
    split: zSplit.optional(),
  })
  .refine((r) => (r.value === undefined) !== (r.split === undefined), {
    message: 'a rule has exactly one of `value` or `split`',
  });
export type TRule = z.infer<typeof ZRule>;

export const ZRuleSet = z
  .strictObject({
    rules: z.array(ZRule).optional(),
    default: zJson.optional(),
    split: zSplit.optional(),
  })
  .refine((r) => (r.default === undefined) !== (r.split === undefined), {
    message: 'a rule set has exactly one of `default` (a value) or `split` for everyone else',
  });
export type TRuleSet = z.infer<typeof ZRuleSet>;

const RULESET_KEYS = new Set(['rules', 'default', 'split']);

export function isRuleSet(v: unknown): v is TRuleSet {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => RULESET_KEYS.has(k)) && (keys.includes('default') || keys.includes('split'));
}

/** Every value a configured flag value can produce (plain value, rule values, split arms, default). */
export function possibleValues(v: unknown): unknown[] {
  if (!isRuleSet(v)) return [v];
  const out: unknown[] = [];
  for (const r of v.rules ?? []) {
    if (r.split) out.push(...r.split.map((a) => a.value));
    else out.push(r.value);
  }
  if (v.split) out.push(...v.split.map((a) => a.value));
  else out.push(v.default);
  return out;
}

/** True when evaluating this value needs a targetingKey (it contains a percentage split). */
export function needsTargetingKey(v: unknown): boolean {
  if (!isRuleSet(v)) return false;
  return Boolean(v.split) || (v.rules ?? []).some((r) => Boolean(r.split));
}
