// Evaluates a flag's configured value (a plain value or a targeting rule set, see targeting.ts)
// against an OpenFeature evaluation context. Pure: no I/O, no Node-only imports, so the flag
// server, the UI's preview and the tests all get the same answer.
//
// Sticky splits. bucket = murmur3_32(utf8(`${flagKey}:${targetingKey}`), seed 0) mod 10000,
// i.e. 0..9999 in steps of 0.01 %. Arms take cumulative ranges in the order they are listed:
// [{v2, 25}, {v1, 75}] gives v2 the buckets 0..2499 and v1 2500..9999. The hash depends on
// nothing but the flag key and the targeting key, so every replica and every restart agrees,
// and as long as every cumulative boundary only grows (e.g. 25 → 50 → 100 for the first arm),
// a user only ever moves to an earlier arm, never back. docs/flag-serving.md has the details.
import { isRuleSet, type TCondition, type TRuleSet, type TSplitArm } from './targeting';

export type FlagType = 'boolean' | 'string' | 'number' | 'json';

export interface EvaluableFlag {
  key: string;
  type: FlagType;
  variants?: readonly string[];
}

export interface EvaluationContext {
  targetingKey?: unknown;
  [attribute: string]: unknown;
}

export type EvaluationReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT';
export type EvaluationErrorCode = 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'PARSE_ERROR' | 'GENERAL';

export interface EvaluationSuccess {
  value: unknown;
  reason: EvaluationReason;
  variant?: string;
}
export interface EvaluationError {
  errorCode: EvaluationErrorCode;
  errorDetails: string;
}
export type EvaluationResult = EvaluationSuccess | EvaluationError;

export function isEvaluationError(r: EvaluationResult): r is EvaluationError {
  return 'errorCode' in r;
}

/** Number of buckets a split divides users into: 10000 → weights have 0.01 % resolution. */
export const BUCKETS = 10_000;

/** True when the configured value does not depend on the context (no rule set). */
export function isStatic(configured: unknown): boolean {
  return !isRuleSet(configured);
}

export function evaluate(flag: EvaluableFlag, configured: unknown, context: EvaluationContext = {}): EvaluationResult {
  const loc = locate(flag.key, configured, context);
  if ('errorCode' in loc) return loc;
  return outcomeAt(flag, configured, loc);
}

/**
 * Where in the configured value a context lands: the plain value, a rule (and split arm), or
 * the default (and split arm). `evaluate` = `locate` + `outcomeAt`; the flag server calls them
 * separately so it can render each outcome of a flag once and reuse the bytes.
 */
export type Location = { where: 'static' } | { where: 'rule'; rule: number; arm?: number } | { where: 'default'; arm?: number };

export function locate(flagKey: string, configured: unknown, context: EvaluationContext): Location | EvaluationError {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: 'the evaluation context must be an object' };
  }
  if (context.targetingKey !== undefined && context.targetingKey !== null && typeof context.targetingKey !== 'string') {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: 'targetingKey must be a string' };
  }
  if (!isRuleSet(configured)) return { where: 'static' };
  const compiled = compileRuleSet(flagKey, configured);
  const at = compiled.locate(context);
  return typeof at === 'number' ? compiled.locations[at] : { ...at };
}

/**
 * A rule set prepared once (the flag server does it once per flag and revision): the list of
 * every location a context can land on, and `locate`, which returns an index into that list —
 * so the server can render each outcome once and look it up by index. `locate` above uses the
 * same code, so there is one definition of where a context lands.
 */
export interface CompiledRuleSet {
  readonly locations: readonly Location[];
  /**
   * The context must already be valid (an object whose targetingKey is a string or absent);
   * `locate` above checks that. The returned error object is shared: do not modify it.
   */
  locate(context: EvaluationContext): number | EvaluationError;
}

interface CompiledSplit {
  /** index in `locations` of arm 0 */
  first: number;
  /** the buckets where each arm but the last ends (exclusive), as `armFor` computes them */
  ends: number[];
}

export function compileRuleSet(flagKey: string, rs: TRuleSet): CompiledRuleSet {
  const locations: Location[] = [];
  const split = (arms: readonly TSplitArm[], at: (arm: number) => Location): CompiledSplit => {
    const first = locations.length;
    for (let i = 0; i < arms.length; i++) locations.push(at(i));
    return { first, ends: armEnds(arms) };
  };
  const rules = (rs.rules ?? []).map((rule, i) => {
    if (rule.split) return { when: rule.when, split: split(rule.split, (arm) => ({ where: 'rule', rule: i, arm })), at: -1 };
    locations.push({ where: 'rule', rule: i });
    return { when: rule.when, split: null, at: locations.length - 1 };
  });
  let defaultSplit: CompiledSplit | null = null;
  let defaultAt = -1;
  if (rs.split) defaultSplit = split(rs.split, (arm) => ({ where: 'default', arm }));
  else {
    locations.push({ where: 'default' });
    defaultAt = locations.length - 1;
  }

  const prefix = encoder.encode(`${flagKey}:`);
  const missingKey: EvaluationError = {
    errorCode: 'TARGETING_KEY_MISSING',
    errorDetails: `flag "${flagKey}" is a percentage split; send a targetingKey in the evaluation context`,
  };
  const pick = (s: CompiledSplit, context: EvaluationContext): number | EvaluationError => {
    const tk = context.targetingKey;
    if (typeof tk !== 'string' || tk === '') return missingKey;
    const bucket = bucketAfter(prefix, tk);
    const ends = s.ends;
    for (let i = 0; i < ends.length; i++) if (bucket < ends[i]) return s.first + i;
    return s.first + ends.length;
  };

  return {
    locations,
    locate(context) {
      outer: for (let r = 0; r < rules.length; r++) {
        const rule = rules[r];
        for (let c = 0; c < rule.when.length; c++) if (!matches(rule.when[c], context)) continue outer;
        return rule.split ? pick(rule.split, context) : rule.at;
      }
      return defaultSplit ? pick(defaultSplit, context) : defaultAt;
    },
  };
}

/** a stable name for a location ("static", "rule-0", "rule-1-split-0", "default-split-2"…) */
export function locationKey(loc: Location): string {
  const base = loc.where === 'rule' ? `rule-${loc.rule}` : loc.where;
  return 'arm' in loc && loc.arm !== undefined ? `${base}-split-${loc.arm}` : base;
}

/** the value, reason and variant at a location (which `locate` returned for this value) */
export function outcomeAt(flag: EvaluableFlag, configured: unknown, loc: Location): EvaluationResult {
  if (loc.where === 'static') return finish(flag, configured, 'STATIC', null);
  const rs = configured as TRuleSet;
  const position = locationKey(loc);
  if (loc.where === 'rule') {
    const rule = (rs.rules ?? [])[loc.rule];
    if (loc.arm !== undefined) return finish(flag, rule.split![loc.arm].value, 'SPLIT', position);
    return finish(flag, rule.value, 'TARGETING_MATCH', position);
  }
  if (loc.arm !== undefined) return finish(flag, rs.split![loc.arm].value, 'SPLIT', position);
  return finish(flag, rs.default, 'DEFAULT', position);
}

/** Index of the arm whose cumulative range contains the bucket (last arm catches rounding). */
export function armFor(arms: readonly Pick<TSplitArm, 'weight'>[], bucket: number): number {
  const ends = armEnds(arms);
  for (let i = 0; i < ends.length; i++) if (bucket < ends[i]) return i;
  return arms.length - 1;
}

/** where each arm but the last ends: round(cumulative weight × 100), in list order */
function armEnds(arms: readonly Pick<TSplitArm, 'weight'>[]): number[] {
  const ends: number[] = [];
  let cumulative = 0;
  for (let i = 0; i < arms.length - 1; i++) {
    cumulative += arms[i].weight;
    ends.push(Math.round(cumulative * (BUCKETS / 100)));
  }
  return ends;
}

/** The documented sticky hash: murmur3_32(utf8(`${flagKey}:${targetingKey}`), 0) mod 10000. */
export function bucketOf(flagKey: string, targetingKey: string): number {
  // the flag server hashes through compileRuleSet, which encodes the prefix once per flag
  return bucketAfter(encoder.encode(`${flagKey}:`), targetingKey);
}

/**
 * bucketOf with the flag's `${flagKey}:` bytes given: hashed without building the joined
 * string. A bulk evaluation hashes the same targetingKey for every flag, so its bytes are cached.
 */
function bucketAfter(prefix: Uint8Array, targetingKey: string): number {
  if (targetingKey !== lastKey) {
    lastKey = targetingKey;
    lastKeyBytes = encoder.encode(targetingKey);
  }
  const len = prefix.length + lastKeyBytes.length;
  if (scratch.length < len) scratch = new Uint8Array(Math.max(len, scratch.length * 2));
  scratch.set(prefix, 0);
  scratch.set(lastKeyBytes, prefix.length);
  return murmur3(scratch, len, 0) % BUCKETS;
}

const encoder = new TextEncoder();
let lastKey = '';
let lastKeyBytes = new Uint8Array(0);
let scratch = new Uint8Array(256);

function finish(flag: EvaluableFlag, value: unknown, reason: EvaluationReason, position: string | null): EvaluationResult {
  const problem = typeProblem(flag.type, value);
  if (problem) return { errorCode: 'GENERAL', errorDetails: `flag "${flag.key}" is misconfigured: ${problem}` };
  return { value, reason, variant: variantName(flag.type, value, position) };
}

/** Variant names: the value for strings and numbers, on/off for booleans, a position for json. */
export function variantName(type: FlagType, value: unknown, position: string | null): string {
  switch (type) {
    case 'string':
      return value as string;
    case 'boolean':
      return value ? 'on' : 'off';
    case 'number':
      return String(value);
    default:
      return position ?? 'static';
  }
}

function typeProblem(type: FlagType, value: unknown): string | null {
  if (value === undefined || value === null) return 'no value';
  if (type === 'json') return null;
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value) ? null : `${JSON.stringify(value)} is not a number`;
  return typeof value === type ? null : `${JSON.stringify(value)} is not a ${type}`;
}

// ---- conditions ---------------------------------------------------------------------------
// A condition names an attribute of the context (`targetingKey` included; `a.b` reaches into
// nested objects). A missing attribute never matches, whatever the operator — `not_in` included,
// so a rule can't select users merely because the caller forgot to send an attribute. An array
// attribute matches a positive operator if any element does, and `not_in`/`neq` if none is in
// the list. `in`/`not_in`/`eq`/`neq` compare as strings (so 3 and "3" are equal); `gt`/`gte`/
// `lt`/`lte` need both sides to be numbers (numeric strings count) or do not match;
// `starts_with`/`ends_with`/`contains` are string operations.

function attributeOf(context: EvaluationContext, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(context, name)) return context[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = context;
  for (const part of name.split('.')) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function matches(c: TCondition, context: EvaluationContext): boolean {
  const attr = attributeOf(context, c.attribute);
  if (attr === undefined || attr === null) return false;
  const items = Array.isArray(attr) ? attr : [attr];
  const scalars = items.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') as (string | number | boolean)[];
  if (c.op === 'not_in' || c.op === 'neq') {
    if (scalars.length === 0) return false;
    return scalars.every((x) => !c.values.some((v) => String(v) === String(x)));
  }
  return scalars.some((x) => scalarMatches(c, x));
}

function scalarMatches(c: TCondition, x: string | number | boolean): boolean {
  const xs = String(x);
  switch (c.op) {
    case 'in':
    case 'eq':
      return c.values.some((v) => String(v) === xs);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const xn = toNumber(x);
      if (xn === null) return false;
      return c.values.some((v) => {
        const vn = toNumber(v);
        if (vn === null) return false;
        return c.op === 'gt' ? xn > vn : c.op === 'gte' ? xn >= vn : c.op === 'lt' ? xn < vn : xn <= vn;
      });
    }
    case 'starts_with':
      return c.values.some((v) => xs.startsWith(String(v)));
    case 'ends_with':
      return c.values.some((v) => xs.endsWith(String(v)));
    case 'contains':
      return c.values.some((v) => xs.includes(String(v)));
    default:
      return false;
  }
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

// ---- murmur3 ------------------------------------------------------------------------------


/** MurmurHash3 x86_32 (Austin Appleby's reference algorithm) over bytes, unsigned result. */
export function murmur3_32(data: Uint8Array, seed = 0): number {
  return murmur3(data, data.length, seed);
}

/** murmur3_32 over the first `len` bytes of `data` */
function murmur3(data: Uint8Array, len: number, seed: number): number {
  const blocks = len & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) h = mixBlock(h, data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
  let k = 0;
  const rest = len & 3;
  if (rest === 3) k ^= data[blocks + 2] << 16;
  if (rest >= 2) k ^= data[blocks + 1] << 8;
  if (rest >= 1) h ^= mixK(k ^ data[blocks]);
  return fmix(h, len);
}

function mixK(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function mixBlock(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The single value a context-free consumer (an environment variable, a `.json` config) gets:
 * a plain value as it is; for a rule set, its `default`, or — when everyone else is split —
 * the arm with the largest weight (the first one listed on a tie), i.e. what most users get.
 */
export function contextFreeValue(configured: unknown): unknown {
  if (!isRuleSet(configured)) return configured;
  const rs = configured as TRuleSet;
  if (!rs.split) return rs.default;
  let best = rs.split[0];
  for (const arm of rs.split) if (arm.weight > best.weight) best = arm;
  return best.value;
}
