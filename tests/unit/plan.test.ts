// The plan format: the five seed plans validate and say what their runbooks say; a bad plan is
// rejected with every problem listed by path; durations parse and format.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { formatDuration, parseDuration } from '../../lib/domain/duration';
import { evaluate, type EvaluationContext, type EvaluableFlag } from '../../lib/domain/evaluate';
import { flagStateFor } from '../../lib/domain/flag-state';
import { validatePlan, type TPlan } from '../../lib/domain/plan';

const PLANS_DIR = new URL('../../prisma/plans/', import.meta.url);
const SEEDS = ['assignment-pipeline-v3', 'deal-type-awareness', 'market-scan-v2', 'marketplace-v2', 'matching-engine-v1'];

function loadPlan(key: string): { plan: TPlan; minDurations: number[] } {
  const r = validatePlan(parseYaml(readFileSync(new URL(`${key}.yaml`, PLANS_DIR), 'utf8')));
  if (!r.ok) throw new Error(`${key}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return r;
}

/** Flag values (plain value or rule set) in an environment while the phase `phaseKey` is current. */
function valuesAt(plan: TPlan, phaseKey: string | null, env: string): Record<string, unknown> {
  const index = phaseKey === null ? null : plan.phases.findIndex((p) => p.key === phaseKey);
  if (index === -1) throw new Error(`no phase ${phaseKey} in ${plan.key}`);
  const phases = plan.phases.map((p) => ({ key: p.key, environments: p.environments ?? [], flags: p.flags }));
  const state = flagStateFor(plan.flags, phases, index, env);
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.value]));
}

function evaluateAt(plan: TPlan, phaseKey: string, env: string, flagKey: string, context: EvaluationContext): unknown {
  const flag = plan.flags.find((f) => f.key === flagKey)!;
  const r = evaluate(flag as EvaluableFlag, valuesAt(plan, phaseKey, env)[flagKey], context);
  if ('errorCode' in r) throw new Error(`${flagKey}: ${r.errorCode} ${r.errorDetails}`);
  return r.value;
}

const H = 3600;
const D = 24 * H;

describe('the seed plans in prisma/plans', () => {
  it('are exactly the five seeds, each named after its key, and all valid', () => {
    const files = readdirSync(PLANS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
    expect(files).toEqual(SEEDS.map((k) => `${k}.yaml`));
    for (const key of SEEDS) expect(loadPlan(key).plan.key).toBe(key);
  });

  it('use distinct flag keys (flag keys are unique across rollouts) and only the default environments', () => {
    const flagKeys = SEEDS.flatMap((k) => loadPlan(k).plan.flags.map((f) => f.key));
    expect(new Set(flagKeys).size).toBe(flagKeys.length);
    const envs = new Set(SEEDS.flatMap((k) => loadPlan(k).plan.phases.flatMap((p) => p.environments ?? [])));
    expect([...envs].sort()).toEqual(['production', 'staging']);
  });

  it('every seed has an owner, a description and described phases', () => {
    for (const key of SEEDS) {
      const { plan } = loadPlan(key);
      expect(plan.owner, key).toMatch(/team/i);
      expect(plan.description?.length, key).toBeGreaterThan(100);
      for (const ph of plan.phases) expect(ph.description?.length, `${key}/${ph.key}`).toBeGreaterThan(40);
    }
  });

  it('market-scan-v2: v1 → dual (24h) → v2 (72h) → v2 default (7d)', () => {
    const { plan, minDurations } = loadPlan('market-scan-v2');
    expect(plan.flags).toEqual([expect.objectContaining({ key: 'MARKET_SCAN_ENGINE', type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' })]);
    expect(plan.phases.map((p) => p.key)).toEqual(['dual', 'v2-only', 'v2-default']);
    expect(minDurations).toEqual([24 * H, 72 * H, 7 * D]);
    for (const env of ['staging', 'production']) {
      expect([null, 'dual', 'v2-only', 'v2-default'].map((p) => valuesAt(plan, p, env).MARKET_SCAN_ENGINE)).toEqual(['v1', 'dual', 'v2', 'v2']);
    }
  });

  it('marketplace-v2: pre-deployment, opt-in beta (allow-list), sticky 50/50 A/B, full migration, deprecation', () => {
    const { plan, minDurations } = loadPlan('marketplace-v2');
    expect(plan.phases.map((p) => p.key)).toEqual(['pre-deployment', 'opt-in-beta', 'ab-test', 'full-migration', 'deprecation']);
    expect(minDurations).toEqual([3 * D, 14 * D, 14 * D, 7 * D, 60 * D]);
    const at = (phase: string, ctx: EvaluationContext) => evaluateAt(plan, phase, 'production', 'MARKETPLACE_BACKEND', ctx);

    expect(at('pre-deployment', {})).toBe('v1');
    expect(at('opt-in-beta', { targetingKey: 'early-adopter-1@example.com' })).toBe('v2');
    expect(at('opt-in-beta', { targetingKey: 'someone@example.com', marketplaceBetaOptIn: true })).toBe('v2');
    expect(at('opt-in-beta', { targetingKey: 'someone@example.com' })).toBe('v1');
    expect(at('opt-in-beta', {})).toBe('v1');

    const keys = Array.from({ length: 4000 }, (_, i) => `user-${i}`);
    const v2 = keys.filter((k) => at('ab-test', { targetingKey: k }) === 'v2').length;
    expect(v2 / keys.length).toBeGreaterThan(0.46);
    expect(v2 / keys.length).toBeLessThan(0.54);
    for (const k of keys.slice(0, 50)) expect(at('ab-test', { targetingKey: k })).toBe(at('ab-test', { targetingKey: k }));

    expect(at('full-migration', {})).toBe('v2');
    expect(at('deprecation', {})).toBe('v2');
  });

  it('matching-engine-v1: shadow off, internal beta users only, cutover, decommission', () => {
    const { plan, minDurations } = loadPlan('matching-engine-v1');
    expect(plan.flags).toEqual([expect.objectContaining({ key: 'MATCH_ENGINE_V1', type: 'boolean', baseline: false })]);
    expect(plan.phases.map((p) => p.key)).toEqual(['shadow', 'dual-path', 'cutover', 'decommission']);
    expect(minDurations).toEqual([7 * D, 7 * D, 7 * D, 30 * D]);
    const at = (phase: string, ctx: EvaluationContext) => evaluateAt(plan, phase, 'production', 'MATCH_ENGINE_V1', ctx);
    expect(at('shadow', { targetingKey: 'andy@hotmatch.com' })).toBe(false);
    expect(at('dual-path', { targetingKey: 'andy@hotmatch.com' })).toBe(true);
    expect(at('dual-path', { targetingKey: 'internal@hotmatch.com' })).toBe(true);
    expect(at('dual-path', { targetingKey: 'customer@example.com' })).toBe(false);
    expect(at('dual-path', {})).toBe(false);
    expect(at('cutover', { targetingKey: 'customer@example.com' })).toBe(true);
    expect(at('decommission', {})).toBe(true);
  });

  it('deal-type-awareness: baseline off (before the rollout), on in staging first, then production', () => {
    const { plan, minDurations } = loadPlan('deal-type-awareness');
    expect(plan.flags).toEqual([expect.objectContaining({ key: 'DEAL_TYPE_AWARENESS', type: 'boolean', baseline: false })]);
    expect(plan.phases.map((p) => p.key)).toEqual(['preflight', 'database-migration', 'code-staging', 'code-production', 'ui-rollout', 'validation-cleanup']);
    expect(minDurations).toEqual([4 * H, 2 * H, 3 * H, 24 * H, 2 * H, 3 * H]);
    const on = (phase: string, env: string) => valuesAt(plan, phase, env).DEAL_TYPE_AWARENESS;
    expect([on('database-migration', 'staging'), on('database-migration', 'production')]).toEqual([false, false]);
    expect([on('code-staging', 'staging'), on('code-staging', 'production')]).toEqual([true, false]);
    expect([on('code-production', 'staging'), on('code-production', 'production')]).toEqual([true, true]);
    expect([on('validation-cleanup', 'staging'), on('validation-cleanup', 'production')]).toEqual([true, true]);
  });

  it('assignment-pipeline-v3: 48h staging soak, production shadow 24h, full 48h, then 4 and 5 in parallel', () => {
    const { plan, minDurations } = loadPlan('assignment-pipeline-v3');
    expect(plan.flags.map((f) => [f.key, f.type, f.baseline])).toEqual([
      ['FEATURE_ASSIGNMENT_PIPELINE_V3', 'boolean', false],
      ['FEATURE_ASSIGNMENT_PIPELINE_V3_SHADOW', 'boolean', false],
      ['FEATURE_ASSIGNMENT_PIPELINE_V3_MAX_PARALLEL', 'number', 3],
    ]);
    expect(plan.phases.map((p) => [p.key, p.environments])).toEqual([
      ['staging-soak', ['staging']],
      ['production-shadow', ['production']],
      ['production-full', ['production']],
      ['concurrency-4', ['production']],
      ['concurrency-5', ['production']],
    ]);
    expect(minDurations).toEqual([48 * H, 24 * H, 48 * H, 6 * H, 6 * H]);

    const vector = (phase: string | null, env: string) => Object.values(valuesAt(plan, phase, env));
    const legacy = [false, false, 3];
    const full = (n: number) => [true, false, n];
    expect([vector(null, 'staging'), vector(null, 'production')]).toEqual([legacy, legacy]);
    expect([vector('staging-soak', 'staging'), vector('staging-soak', 'production')]).toEqual([full(3), legacy]);
    expect([vector('production-shadow', 'staging'), vector('production-shadow', 'production')]).toEqual([full(3), [false, true, 3]]);
    expect([vector('production-full', 'staging'), vector('production-full', 'production')]).toEqual([full(3), full(3)]);
    expect([vector('concurrency-4', 'staging'), vector('concurrency-4', 'production')]).toEqual([full(3), full(4)]);
    expect([vector('concurrency-5', 'staging'), vector('concurrency-5', 'production')]).toEqual([full(3), full(5)]);
  });

  it('carry the governance their runbooks ask for (item by item in seeds-governance.test.ts)', () => {
    const governance = Object.fromEntries(
      SEEDS.map((key) => [
        key,
        Object.fromEntries(
          loadPlan(key)
            .plan.phases.map((p) => [p.key, [p.checklist?.length ? 'checklist' : '', p.signoffs ? 'signoffs' : '', p.comms?.length ? 'comms' : '', p.decisions?.length ? 'decisions' : ''].filter(Boolean).join(' ')])
            .filter(([, g]) => g),
        ),
      ]),
    );
    expect(governance).toEqual({
      'market-scan-v2': { dual: 'checklist comms', 'v2-only': 'checklist comms', 'v2-default': 'checklist comms' },
      'marketplace-v2': { 'opt-in-beta': 'signoffs', 'ab-test': 'signoffs', 'full-migration': 'signoffs' },
      'matching-engine-v1': { shadow: 'decisions', 'dual-path': 'decisions', cutover: 'decisions', decommission: 'decisions' },
      'deal-type-awareness': { 'ui-rollout': 'comms' },
      'assignment-pipeline-v3': { 'production-shadow': 'checklist', 'production-full': 'checklist', 'concurrency-4': 'checklist', 'concurrency-5': 'checklist' },
    });
  });
});

const goodFlags = [
  { key: 'MARKET_SCAN_ENGINE', type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' },
  { key: 'ENABLED', type: 'boolean', baseline: false },
  { key: 'MAX_PARALLEL', type: 'number', baseline: 3 },
];

describe('validatePlan', () => {
  it('accepts plain values, allow-lists, attribute rules, splits and json values', () => {
    const r = validatePlan({
      key: 'good',
      name: 'Good plan',
      flags: [...goodFlags, { key: 'LIMITS', type: 'json', baseline: { rps: 10 } }],
      phases: [
        { key: 'one', name: 'One', minDuration: '0m', environments: ['staging'], flags: { MARKET_SCAN_ENGINE: 'dual', LIMITS: { rps: 20, burst: [1, 2] } } },
        {
          key: 'two',
          name: 'Two',
          minDuration: '1d12h',
          flags: {
            ENABLED: { rules: [{ name: 'beta', when: [{ attribute: 'targetingKey', op: 'in', values: ['a@x.com'] }], value: true }], default: false },
            MARKET_SCAN_ENGINE: {
              rules: [
                { when: [{ attribute: 'plan', op: 'in', values: ['enterprise'] }], value: 'v1' },
                { when: [{ attribute: 'region', op: 'eq', values: ['eu'] }], split: [{ value: 'v1', weight: 75 }, { value: 'v2', weight: 25 }] },
              ],
              split: [{ value: 'v1', weight: 50 }, { value: 'v2', weight: 50 }],
            },
          },
        },
        { key: 'three', name: 'Three', minDuration: 0, flags: { MAX_PARALLEL: 5 } },
        { key: 'four', name: 'Four' },
      ],
    });
    expect(r.ok ? r.minDurations : r.problems).toEqual([0, 36 * H, 0, 0]);
    if (r.ok) expect(r.plan.phases[3].flags).toEqual({});
  });

  it('lists every problem of a bad plan by path', () => {
    const r = validatePlan({
      key: 'bad-plan',
      name: 'Bad plan',
      flags: goodFlags,
      phases: [
        { key: 'dual', name: 'Dual', minDuration: '24 hours', flags: { MARKET_SCAN_ENGINE: 'v3', ENABLED: 'true' } },
        {
          key: 'dual',
          name: 'Again',
          minDuration: '72h',
          flags: {
            ENGINE: 'v2',
            MAX_PARALLEL: '4',
            MARKET_SCAN_ENGINE: { split: [{ value: 'v1', weight: 60 }, { value: 'v2', weight: 30 }] },
          },
        },
        {
          key: 'rules',
          name: 'Rules',
          flags: {
            ENABLED: {
              rules: [{ when: [{ attribute: 'targetingKey', op: 'in', values: ['a'] }], value: true, split: [{ value: true, weight: 100 }] }],
              default: false,
            },
          },
        },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'phases[0].minDuration: "24 hours" is not a duration like 30m, 24h, 7d',
      'phases[0].flags.MARKET_SCAN_ENGINE: "v3" is not one of the variants (v1, dual, v2)',
      'phases[0].flags.ENABLED: expected true or false, got "true"',
      'phases[1].key: duplicate phase key dual',
      'phases[1].flags.ENGINE: unknown flag',
      'phases[1].flags.MAX_PARALLEL: expected a number, got "4"',
      'phases[1].flags.MARKET_SCAN_ENGINE.split: split weights must add up to 100',
      'phases[2].flags.ENABLED.rules[0]: a rule has exactly one of `value` or `split`',
    ]);
  });

  it('reports structural and semantic problems together', () => {
    const r = validatePlan({
      key: 'Not A Slug',
      flags: [
        { key: 'A', type: 'enum', baseline: 1 },
        { key: 'B', type: 'boolean', variants: ['on'], baseline: true },
        { key: 'S', type: 'string', variants: ['x', 'x'], baseline: 'y' },
      ],
      phases: [
        { key: 'baseline', name: 'P', minDuration: 5, environments: ['Prod'], flags: { NOPE: 1, B: { default: true, split: [{ value: false, weight: 100 }] } } },
        { key: 'q', name: 'Q', flags: { S: { rules: [{ when: [{ attribute: 'plan', op: 'like', values: [] }], value: 'x' }], default: 'x' } } },
      ],
      extra: 1,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(
      [
        'key',
        'name',
        '(plan)', // unknown top-level key "extra"
        'flags[0].type',
        'flags[1].variants',
        'flags[2].variants', // not distinct
        'flags[2].baseline', // "y" is not a variant
        'phases[0].key', // "baseline" is reserved
        'phases[0].minDuration',
        'phases[0].environments[0]',
        'phases[0].flags.NOPE',
        'phases[0].flags.B', // both default and split
        'phases[1].flags.S.rules[0].when[0].op',
        'phases[1].flags.S.rules[0].when[0].values',
      ].sort(),
    );
    expect(r.problems.find((p) => p.path === 'phases[0].flags.NOPE')?.message).toBe('unknown flag');
    expect(r.problems.find((p) => p.path === 'phases[0].key')?.message).toBe('"baseline" is reserved');
    expect(r.problems.find((p) => p.path === 'flags[2].baseline')?.message).toBe('"y" is not one of the variants (x, x)');
  });

  it('needs at least one flag and one phase, and an object', () => {
    expect(validatePlan({ key: 'a', name: 'A', flags: [], phases: [] })).toEqual({
      ok: false,
      problems: [
        { path: 'flags', message: 'a plan needs at least one flag' },
        { path: 'phases', message: 'a plan needs at least one phase' },
      ],
    });
    expect(validatePlan(null)).toMatchObject({ ok: false, problems: [{ path: '(plan)' }] });
  });

  it('reports a duplicate flag key and a missing baseline', () => {
    const r = validatePlan({
      key: 'dup',
      name: 'Dup',
      flags: [
        { key: 'A', type: 'boolean', baseline: true },
        { key: 'A', type: 'number', baseline: 1 },
      ],
      phases: [{ key: 'p', name: 'P' }],
    });
    expect(r).toEqual({ ok: false, problems: [{ path: 'flags[1].key', message: 'duplicate flag key A' }] });

    const missing = validatePlan({ key: 'm', name: 'M', flags: [{ key: 'A', type: 'boolean' }], phases: [{ key: 'p', name: 'P' }] });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems.map((p) => p.path)).toEqual(['flags[0].baseline']);
  });
});

describe('validatePlan: governance fields', () => {
  const plan = (phase: Record<string, unknown>) => ({ key: 'gov', name: 'Gov', flags: [{ key: 'ENABLED', type: 'boolean', baseline: false }], phases: [{ key: 'one', name: 'One', ...phase }] });

  it('fills the defaults: checklist items are required, self-approval is not allowed', () => {
    const r = validatePlan(
      plan({
        checklist: [{ key: 'monitoring', text: 'Monitoring configured and tested', owner: 'DevOps Lead' }, { key: 'nice', text: 'Nice to have', required: false }],
        signoffs: { roles: ['Technical Lead', 'Product Owner'], required: 2 },
        comms: [{ audience: 'Engineering', when: 'before', template: "We're starting {{phase.name}} of {{rollout.name}}", offset: '7d' }],
        decisions: [{ issue: 'Duplicate active runs', action: 'rollback' }],
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan.phases[0].checklist?.map((i) => i.required)).toEqual([true, false]);
    expect(r.plan.phases[0].signoffs).toEqual({ roles: ['Technical Lead', 'Product Owner'], required: 2, allowSelfApproval: false });
  });

  it('lists every governance problem by path', () => {
    const r = validatePlan(
      plan({
        checklist: [{ key: 'a', text: 'A' }, { key: 'Not A Slug', text: '' }],
        signoffs: { roles: ['Technical Lead'], required: 0 },
        comms: [{ audience: 'Engineering', when: 'during', template: 'x' }, { audience: 'Users', when: 'after', template: 'y', offset: '7 days' }],
        decisions: [{ issue: 'Data corruption' }],
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(
      [
        'phases[0].checklist[1].key',
        'phases[0].checklist[1].text',
        'phases[0].signoffs.required',
        'phases[0].comms[0].when',
        // semantic checks run on a structurally bad plan too
        'phases[0].comms[1].offset',
        'phases[0].decisions[0].action',
      ].sort(),
    );
    // the semantic checks: duplicates, distinct roles, offsets that are durations
    const fixed = validatePlan(plan({ checklist: [{ key: 'a', text: 'A' }, { key: 'a', text: 'Again' }], signoffs: { roles: ['Technical Lead', 'Technical Lead'], required: 1 }, comms: [{ audience: 'Users', when: 'after', template: 'y', offset: '7 days' }] }));
    expect(fixed.ok ? [] : fixed.problems).toEqual([
      { path: 'phases[0].checklist[1].key', message: 'duplicate checklist item a' },
      { path: 'phases[0].signoffs.roles', message: 'roles must be distinct' },
      { path: 'phases[0].comms[0].offset', message: '"7 days" is not a duration like 1h, 7d' },
    ]);
  });
});

describe('durations', () => {
  it('parses units and combinations into seconds', () => {
    const cases: [string, number][] = [
      ['0m', 0],
      ['90s', 90],
      ['30m', 30 * 60],
      ['24h', 24 * H],
      ['72h', 72 * H],
      ['7d', 7 * D],
      ['2w', 14 * D],
      ['1d12h', 36 * H],
      ['1h30m', 90 * 60],
      [' 6h ', 6 * H],
    ];
    for (const [text, seconds] of cases) expect(parseDuration(text), text).toBe(seconds);
  });

  it('refuses what is not a duration', () => {
    for (const text of ['', '24', 'h', '1.5h', '-1h', '24H', '1 day', '24 hours', '1mo', 'h24', '1d 12h']) {
      expect(parseDuration(text), JSON.stringify(text)).toBeNull();
    }
  });

  it('formats seconds with the largest units first', () => {
    const cases: [number, string][] = [
      [0, '0m'],
      [-5, '0m'],
      [59, '59s'],
      [90, '1m30s'],
      [3600, '1h'],
      [86400, '1d'],
      [36 * H, '1d12h'],
      [72 * H, '3d'],
      [7 * D, '1w'],
      [60 * D, '8w4d'],
      [8 * D + 1, '1w1d1s'],
    ];
    for (const [seconds, text] of cases) expect(formatDuration(seconds), String(seconds)).toBe(text);
  });

  it('round-trips: parse(format(n)) = n for any whole number of seconds', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 * 365 * D }), (n) => parseDuration(formatDuration(n)) === n));
  });
});
