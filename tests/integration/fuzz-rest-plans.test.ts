// Fuzzing POST /api/v1/rollouts (issue 7, "Fuzzing as a test"): valid plans mutated by
// fast-check — fields dropped or given the wrong type, huge/negative/NaN-like numbers, NULs and
// lone surrogates in strings and keys, deep nesting, unknown keys, duplicate and clashing flag
// keys, bad durations and environments, broken targeting rule sets — sent as JSON and as YAML
// to the real route handler with an engineer's token. Every input: never a 5xx; a 400 names the
// mutated field; a refused input writes no row.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../../lib/domain/duration';
import { LIMITS } from '../../lib/limits';
import * as rolloutsRoute from '../../app/api/v1/rollouts/route';
import { ensureEnvironments, marketScanPlan, tokenFor } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import {
  callRoute,
  checkOutcome,
  endRowCounts,
  fuzzOptions,
  FuzzTally,
  hostileNumber,
  hostileString,
  hostileValue,
  nested,
  notAString,
  RawJson,
  rowCounts,
  toJsonText,
  unstorableString,
  withOwn,
  type Handler,
} from '../helpers/fuzz-kit';

const POST = rolloutsRoute.POST as Handler;
const tally = new FuzzTally('POST /api/v1/rollouts');
let engineer = '';
let last: Record<string, number>;

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  engineer = await tokenFor('engineer');
  last = await rowCounts();
});

afterAll(async () => {
  await endRowCounts();
  console.log(tally.summary());
});

type Doc = Record<string, unknown>;
type Seg = string | number;

/** market-scan plus a number, a boolean and a json flag, with a rule set in phase 0 */
function basePlan() {
  const { plan, flag } = marketScanPlan();
  const n = `${flag}_N`;
  const b = `${flag}_B`;
  const j = `${flag}_J`;
  const doc = {
    ...plan,
    description: 'fuzz base',
    owner: 'fuzz',
    flags: [
      { ...plan.flags[0], description: 'engine' },
      { key: n, type: 'number', baseline: 3 },
      { key: b, type: 'boolean', baseline: false },
      { key: j, type: 'json', baseline: { batch: 10, retries: [1, 5] } },
    ],
    phases: [
      {
        ...plan.phases[0],
        environments: ['staging', 'production'],
        flags: {
          [flag]: 'dual',
          [n]: 4,
          [b]: { rules: [{ name: 'beta', when: [{ attribute: 'targetingKey', op: 'in', values: ['a@b.c'] }], value: true }], default: false },
        },
      },
      { ...plan.phases[1], flags: { [flag]: { split: [{ value: 'v2', weight: 50 }, { value: 'dual', weight: 50 }] }, [j]: { batch: 20, retries: [] } } },
      plan.phases[2],
    ],
  };
  return { doc: doc as Doc, flag, n, b, j };
}

const clone = (d: Doc): Doc => JSON.parse(JSON.stringify(d));
const fmt = (segs: readonly Seg[]) => segs.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');

function setAt(doc: Doc, segs: readonly Seg[], value: unknown): Doc {
  const out = clone(doc);
  let cur = out as Record<string | number, unknown>;
  for (const s of segs.slice(0, -1)) cur = cur[s] as Record<string | number, unknown>;
  const lastSeg = segs[segs.length - 1];
  Object.defineProperty(cur, lastSeg, { value, enumerable: true, configurable: true, writable: true });
  return out;
}

function dropAt(doc: Doc, segs: readonly Seg[]): Doc {
  const out = clone(doc);
  let cur = out as Record<string | number, unknown>;
  for (const s of segs.slice(0, -1)) cur = cur[s] as Record<string | number, unknown>;
  delete cur[segs[segs.length - 1]];
  return out;
}

/** every string leaf and every object (for keys) of the base plan, by path */
function leaves(v: unknown, path: Seg[] = [], out: { strings: Seg[][]; objects: Seg[][]; values: Seg[][] } = { strings: [], objects: [], values: [] }) {
  if (path.length) out.values.push(path);
  if (typeof v === 'string') out.strings.push(path);
  else if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out));
  else if (v && typeof v === 'object') {
    out.objects.push(path);
    for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out);
  }
  return out;
}

interface Mutation {
  doc: Doc | RawJson | unknown;
  label: string;
  /** paths one of which the 400 must name */
  fields: string[];
  mustFail: boolean;
  detail?: RegExp;
}

/** the i-th path of a kind in this document (flag keys, and so some paths, differ per basePlan()) */
const pathIn = (doc: Doc, kind: 'strings' | 'objects' | 'values', i: number) => {
  const ps = leaves(doc)[kind];
  return ps[i % ps.length];
};
const parentAt = (doc: Doc, p: Seg[]) => p.reduce<unknown>((o, s) => (o as Record<Seg, unknown>)[s], doc) as Record<string, unknown>;
const KNOWN_KEYS = ['key', 'name', 'description', 'owner', 'flags', 'phases', 'type', 'variants', 'baseline', 'minDuration', 'environments'];

/** the fields a change at `path` can make invalid: itself, and what refers to it */
function affected(path: string): string[] {
  if (/^flags\[\d+\]\.(key|type|variants)/.test(path)) return [path, path.replace(/\.(key|type|variants).*$/, ''), 'phases'];
  if (/^flags\[\d+\]$/.test(path) || path === 'flags') return [path, 'phases'];
  return [path];
}

const STRING_FIELDS: Seg[][] = [
  ['key'],
  ['name'],
  ['description'],
  ['owner'],
  ['flags', 0, 'key'],
  ['flags', 0, 'type'],
  ['flags', 0, 'description'],
  ['flags', 0, 'variants', 1],
  ['flags', 1, 'type'],
  ['phases', 0, 'key'],
  ['phases', 0, 'name'],
  ['phases', 1, 'name'],
  ['phases', 2, 'key'],
  ['phases', 0, 'environments', 0],
];
const REQUIRED: Seg[][] = [
  ['key'],
  ['name'],
  ['flags'],
  ['phases'],
  ['flags', 0, 'key'],
  ['flags', 0, 'type'],
  ['flags', 0, 'baseline'],
  ['flags', 2, 'baseline'],
  ['phases', 0, 'key'],
  ['phases', 1, 'name'],
];
const OPTIONAL: Seg[][] = [['description'], ['owner'], ['flags', 0, 'variants'], ['phases', 0, 'minDuration'], ['phases', 0, 'environments'], ['phases', 2, 'flags']];
const OBJECTS: Seg[][] = [[], ['flags', 0], ['flags', 3], ['phases', 0], ['phases', 2]];

/** durations that are certainly not valid (and some that might be, checked by the domain parser) */
const duration = fc.oneof(
  fc.constantFrom('-1h', '1.5h', '1H', '24 h', '', ' ', 'h', '1', '0', '1d-1h', '1y', 'NaN', 'Infinity', '1e3s', '0x10m', '999999999w', '366d', '53w', '8761h', '99999999999999999999999999s', '1h'.repeat(20)),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.constantFrom('s', 'm', 'h', 'd', 'w')).map(([n, u]) => `${n}${u}`),
  notAString,
  hostileString,
);
const durationIsValid = (raw: unknown) => {
  const v = raw instanceof RawJson ? JSON.parse(raw.text) : raw;
  if (v === 0) return true;
  if (typeof v !== 'string' || v.length > 32) return false;
  const s = parseDuration(v);
  return s !== null && s <= LIMITS.durationSeconds;
};

/** a rule set with at least one certain defect, for the string flag (variants v1, dual, v2) */
const brokenRuleSet: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant({ default: 'v1', split: [{ value: 'v2', weight: 100 }] }),
  fc.constant({ rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['x'] }], value: 'v2' }] }),
  fc
    .tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }))
    .filter(([a, b]) => a + b !== 100 || a < 0 || b < 0)
    .map(([a, b]) => ({ split: [{ value: 'v1', weight: a }, { value: 'v2', weight: b }] })),
  hostileNumber.map((w) => ({ split: [{ value: 'v1', weight: w }] })).filter((x) => (x.split[0].weight as unknown) !== 100),
  fc.constantFrom('50', null, true, [], {}).map((w) => ({ split: [{ value: 'v1', weight: w }, { value: 'v2', weight: 50 }] })),
  fc.oneof(hostileString, notAString).filter((v) => !['v1', 'dual', 'v2'].includes(v as string)).map((v) => ({ split: [{ value: v, weight: 100 }] })),
  fc.constant({ split: [] }),
  fc.constant({ rules: [{ when: [], value: 'v2' }], default: 'v1' }),
  fc.oneof(hostileString, fc.constantFrom('regex', 'IN', 'matches', '__proto__')).filter((op) => !['in', 'not_in', 'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'starts_with', 'ends_with', 'contains'].includes(op)).map((op) => ({ rules: [{ when: [{ attribute: 'plan', op, values: ['x'] }], value: 'v2' }], default: 'v1' })),
  fc.constantFrom({ op: 'in', values: ['x'] }, { attribute: '', op: 'in', values: ['x'] }, { attribute: 'plan', op: 'in', values: [] }, { attribute: 'plan', op: 'in' }, { attribute: 'plan', op: 'in', values: [null] }, { attribute: 'plan', op: 'in', values: [{ a: 1 }] }, { attribute: 'plan', op: 'in', values: ['x'], extra: 1 }, { attribute: 5, op: 'in', values: ['x'] }).map((c) => ({ rules: [{ when: [c], value: 'v2' }], default: 'v1' })),
  fc.constant({ rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['x'] }], value: 'v2', split: [{ value: 'v1', weight: 100 }] }], default: 'v1' }),
  fc.constant({ rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['x'] }] }], default: 'v1' }),
  fc.oneof(hostileValue, notAString).filter((v) => !['v1', 'dual', 'v2'].includes(v as string)).map((v) => ({ rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['x'] }], value: v }], default: 'v1' })),
  fc.oneof(hostileValue, notAString).filter((v) => !['v1', 'dual', 'v2'].includes(v as string)).map((v) => ({ rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['x'] }], value: 'v1' }], default: v })),
  fc.constantFrom('x', {}, [1], null, 5).map((rules) => ({ rules, default: 'v1' })),
  fc.integer({ min: 33, max: 2_000 }).map((d) => ({ rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['x'] }], value: nested(d) }], default: 'v1' })),
  fc.integer({ min: 200, max: 400 }).map((n) => ({ rules: Array.from({ length: n }, (_, i) => ({ name: `rule ${i}`, when: [{ attribute: 'plan', op: 'in', values: [`p${i}`] }], value: 'v2' })), default: 'v1' })),
);

// valid, so each one is a real create (slow): rare
const dropOptional = fc.constantFrom(...OPTIONAL).map((p): Mutation => ({ label: 'drop optional', doc: dropAt(basePlan().doc, p), fields: [fmt(p)], mustFail: false }));

const mutations: fc.Arbitrary<Mutation>[] = [
  // the wrong JSON type where a string belongs
  fc.tuple(fc.constantFrom(...STRING_FIELDS), notAString).map(([p, v]): Mutation => ({ label: 'wrong type', doc: setAt(basePlan().doc, p, v), fields: affected(fmt(p)), mustFail: true })),
  // a hostile string where a string belongs (some may even be valid)
  fc.tuple(fc.constantFrom(...STRING_FIELDS), hostileString).map(([p, v]): Mutation => ({ label: 'hostile string', doc: setAt(basePlan().doc, p, v), fields: affected(fmt(p)), mustFail: false })),
  // NUL / lone surrogate in any string value of the plan
  fc.tuple(fc.nat(), unstorableString).map(([i, v]): Mutation => {
    const { doc } = basePlan();
    const p = pathIn(doc, 'strings', i);
    return { label: 'unstorable string', doc: setAt(doc, p, v), fields: [fmt(p)], mustFail: true };
  }),
  // ... and in any object key
  fc.tuple(fc.nat(), unstorableString, hostileValue).map(([i, k, v]): Mutation => {
    const { doc } = basePlan();
    const p = i % 4 === 0 ? [] : pathIn(doc, 'objects', i);
    const parent = parentAt(doc, p);
    // the key's own value may be what is refused first (it is hostile too)
    return { label: 'unstorable key', doc: p.length ? setAt(doc, p, withOwn(parent, k, v)) : withOwn(doc, k, v), fields: [fmt(p) || '(plan)', '(body)', fmt([...p, k])], mustFail: true };
  }),
  // anything at all in any place
  fc.tuple(fc.nat(), hostileValue).map(([i, v]): Mutation => {
    const { doc } = basePlan();
    const p = pathIn(doc, 'values', i);
    return { label: 'hostile value', doc: setAt(doc, p, v), fields: affected(fmt(p)), mustFail: false };
  }),
  // nesting past the depth limit, anywhere
  fc.tuple(fc.nat(), fc.integer({ min: LIMITS.depth + 1, max: 10_000 }), fc.boolean()).map(([i, d, arr]): Mutation => {
    const { doc } = basePlan();
    const p = pathIn(doc, 'values', i);
    return { label: 'deep', doc: setAt(doc, p, nested(d, arr ? 'array' : 'object')), fields: [fmt(p)], mustFail: true, detail: /nested deeper than 32 levels/ };
  }),
  // a required field dropped; an optional one dropped (still valid)
  fc.constantFrom(...REQUIRED).map((p): Mutation => ({ label: 'drop required', doc: dropAt(basePlan().doc, p), fields: affected(fmt(p)), mustFail: true })),
  // unknown keys on every object (strict schemas)
  fc
    .tuple(fc.constantFrom(...OBJECTS), fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', 'Key', 'flag', 'phase', 'rules'), hostileString.filter((s) => s.length < 100)), hostileValue)
    .filter(([, k]) => !KNOWN_KEYS.includes(k))
    .map(([p, k, v]): Mutation => {
      const { doc } = basePlan();
      const parent = parentAt(doc, p);
      return { label: 'unknown key', doc: p.length ? setAt(doc, p, withOwn(parent, k, v)) : withOwn(doc, k, v), fields: [fmt(p) || '(plan)', '(body)', fmt([...p, k])], mustFail: true };
    }),
  // two flags with one key, or one .env name; two phases with one key
  fc.constantFrom('same', '.', '-').map((how): Mutation => {
    const { doc } = basePlan();
    const flags = doc.flags as { key: string }[];
    const copy = { ...flags[1], key: how === 'same' ? flags[1].key : flags[1].key.replace('_N', `${how}N`) };
    return { label: `duplicate flag (${how})`, doc: { ...doc, flags: [...flags, copy] }, fields: ['flags[4].key'], mustFail: true };
  }),
  fc.constantFrom(0, 1, 2).map((i): Mutation => {
    const { doc } = basePlan();
    const phases = doc.phases as Doc[];
    return { label: 'duplicate phase', doc: { ...doc, phases: [...phases, { ...phases[i], flags: {} }] }, fields: ['phases[3].key'], mustFail: true };
  }),
  fc.constant<Mutation>({ label: 'reserved phase key', doc: setAt(basePlan().doc, ['phases', 1, 'key'], 'baseline'), fields: ['phases[1].key'], mustFail: true }),
  // bad durations
  fc.tuple(fc.constantFrom(0, 1, 2), duration).map(([i, v]): Mutation => ({ label: 'duration', doc: setAt(basePlan().doc, ['phases', i, 'minDuration'], v), fields: [`phases[${i}].minDuration`], mustFail: !durationIsValid(v) })),
  // unknown or malformed environments
  fc
    .tuple(fc.constantFrom(0, 1), fc.oneof(fc.array(fc.oneof(hostileString, fc.constantFrom('mars', 'Production', 'prod-2')), { minLength: 1, maxLength: 3 }), notAString, fc.constant(Array.from({ length: 101 }, () => 'staging'))))
    .map(([i, v]): Mutation => ({ label: 'environments', doc: setAt(basePlan().doc, ['phases', i, 'environments'], v), fields: [`phases[${i}].environments`], mustFail: !(Array.isArray(v) && v.length === 0) })),
  // broken targeting rule sets
  brokenRuleSet.map((rs): Mutation => {
    const { doc, flag } = basePlan();
    return { label: 'rule set', doc: setAt(doc, ['phases', 0, 'flags', flag], rs), fields: [`phases[0].flags.${flag}`], mustFail: true };
  }),
  // wrong values for typed flags (number, boolean) and unknown flags in a phase
  fc.tuple(fc.constantFrom('n', 'b'), fc.oneof(hostileString, hostileValue, fc.constantFrom(new RawJson('1e999'), 'true', '4', 1, 0))).map(([which, v]): Mutation => {
    const p = basePlan();
    const key = which === 'n' ? p.n : p.b;
    const x = v instanceof RawJson ? JSON.parse(v.text) : v;
    // an object may be a valid rule set; a finite number is a valid number
    const certain = !(x && typeof x === 'object') && (which === 'n' ? !(typeof x === 'number' && Number.isFinite(x)) : typeof x !== 'boolean');
    return { label: `typed value (${which})`, doc: setAt(p.doc, ['phases', 2, 'flags', key], v), fields: [`phases[2].flags.${key}`], mustFail: certain };
  }),
  fc.tuple(fc.oneof(hostileString, fc.constantFrom('NOPE', '__proto__', 'constructor', 'hasOwnProperty')), hostileValue).map(([k, v]): Mutation => {
    const { doc } = basePlan();
    const flags = withOwn((doc.phases as Doc[])[2].flags as Doc, k, v);
    return { label: 'unknown flag', doc: setAt(doc, ['phases', 2, 'flags'], flags), fields: ['phases[2].flags', '(body)'], mustFail: true };
  }),
  // over the documented limits
  fc.constantFrom('variants', 'phases', 'value', 'description', 'name', 'flagKey', 'key').map((what): Mutation => {
    const { doc, flag } = basePlan();
    switch (what) {
      case 'variants':
        return { label: 'limit', doc: setAt(doc, ['flags', 0, 'variants'], Array.from({ length: 101 }, (_, i) => (i < 3 ? ['v1', 'dual', 'v2'][i] : `x${i}`))), fields: ['flags[0].variants'], mustFail: true };
      case 'phases':
        return { label: 'limit', doc: setAt(doc, ['phases'], Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, name: `P${i}` }))), fields: ['phases'], mustFail: true };
      case 'value':
        return { label: 'limit', doc: setAt(doc, ['flags', 3, 'baseline'], { blob: 'x'.repeat(LIMITS.valueBytes) }), fields: ['flags[3].baseline'], mustFail: true };
      case 'description':
        return { label: 'limit', doc: setAt(doc, ['description'], 'd'.repeat(LIMITS.descriptionLength + 1)), fields: ['description'], mustFail: true };
      case 'name':
        return { label: 'limit', doc: setAt(doc, ['phases', 0, 'name'], 'n'.repeat(LIMITS.nameLength + 1)), fields: ['phases[0].name'], mustFail: true };
      case 'flagKey':
        return { label: 'limit', doc: setAt(doc, ['flags', 0, 'key'], `${flag}${'K'.repeat(LIMITS.flagKeyLength)}`), fields: affected('flags[0].key'), mustFail: true };
      default:
        return { label: 'limit', doc: setAt(doc, ['key'], 'k'.repeat(LIMITS.keyLength + 1)), fields: ['key'], mustFail: true };
    }
  }),
  // a whole document that is not a plan
  hostileValue.map((v): Mutation => ({ label: 'not a plan', doc: v, fields: ['(plan)', '(body)'], mustFail: true, detail: /./ })),
];
const mutation = fc.oneof(...mutations.map((arbitrary) => ({ arbitrary, weight: 4 })), { arbitrary: dropOptional, weight: 1 });

/** the same document as JSON (several accepted types) or as YAML (JSON is YAML) */
const transport = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/vnd.switchyard.plan+json', 'application/yaml', 'text/yaml');

async function send(m: Mutation, type: string) {
  const text = toJsonText(m.doc);
  const r = await callRoute(POST, engineer, { method: 'POST', path: '/api/v1/rollouts', type, body: text });
  const after = await rowCounts();
  const before = last;
  last = after;
  // the YAML parser may stop first (deep flow collections, odd numbers): then it says where, by line
  const yaml = type.includes('yaml');
  checkOutcome(tally, r, { ...m, detail: yaml ? (m.detail ? new RegExp(`${m.detail.source}|YAML`) : /YAML/) : m.detail }, before, after, () => `${m.label} as ${type}: ${text}`);
}

// what the fuzzer found, each pinned by a test that failed before its fix
describe('regressions found by the fuzzer', () => {
  it('a phase setting a flag named "__proto__" is refused as an unknown flag (zod\'s record dropped the key without a word)', async () => {
    const { doc } = basePlan();
    const phases = doc.phases as Doc[];
    for (const type of ['application/json', 'application/yaml']) {
      const bad = { ...doc, phases: [phases[0], phases[1], { ...phases[2], flags: withOwn({}, '__proto__', { [`${(doc.flags as Doc[])[1].key}`]: 'not a number' }) }] };
      const r = await callRoute(POST, engineer, { method: 'POST', type, body: toJsonText(bad) });
      expect(r.status, r.text).toBe(400);
      expect(r.body?.errors).toEqual([{ path: 'phases[2].flags.__proto__', message: 'unknown flag' }]);
    }
    expect(await rowCounts()).toEqual(last);
  });
});

describe('regressions found by the fuzzer: deep YAML', () => {
  it('YAML nested thousands deep is refused, saying where, before the recursive YAML composer sees it (it could kill the process)', async () => {
    const { doc } = basePlan();
    const before = await rowCounts();
    // flow collections (the cheap attack, one character a level), block sequences, and both
    const cases: [string, RegExp][] = [
      [toJsonText(setAt(doc, ['flags', 3, 'baseline'], nested(5_000))), /nested deeper than 32 levels \(at line 1, column \d+\)/],
      [`key: x\nname: X\nflags:\n  - key: DEEP\n    type: json\n    baseline:\n      ${'- '.repeat(3_000)}1\n`, /nested deeper than 32 levels \(at line 7, column \d+\)/],
      [`key: x\nname: X\nflags:\n  - key: DEEP\n    type: json\n    baseline:\n      - ${'{"a": '.repeat(200)}1${'}'.repeat(200)}\n`, /nested deeper than 32 levels \(at line 7, column \d+\)/],
    ];
    for (const [yaml, detail] of cases) {
      const r = await callRoute(POST, engineer, { method: 'POST', type: 'application/yaml', body: yaml });
      expect(r.status, r.text).toBe(400);
      expect(r.body?.detail).toMatch(detail);
    }
    expect(await rowCounts()).toEqual(before);
  });
});

describe('fuzz: POST /api/v1/rollouts with mutated plans', () => {
  it('the unmutated base plan is accepted (so a mutation is what a refusal is about)', async () => {
    const r = await callRoute(POST, engineer, { method: 'POST', body: basePlan().doc });
    expect(r.status, r.text).toBe(201);
    last = await rowCounts();
  });

  it('mutated plans as JSON and YAML: no 5xx, a 400 names the field, a refusal writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, transport, async (m, type) => {
        await send(m, type);
      }),
      fuzzOptions(Number(process.env.FUZZ_RUNS ?? 1_500)),
    );
  }, 180_000);
});
