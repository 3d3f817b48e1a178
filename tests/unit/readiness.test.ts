// The readiness model alone: which step, which guards, and their verdicts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReadiness, formatSeconds, gateFingerprint, signoffReason, type GatePhase, type ReadinessInput, type StandingSignoff } from '../../lib/domain/readiness';
import { buildTimeline } from '../../lib/domain/timeline';

const now = new Date('2026-12-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
const phases: GatePhase[] = [
  { key: 'dual', name: 'Dual', minDurationSeconds: 24 * 3600, checklist: [{ key: 'dash', text: 'Dashboards ready', required: true }] },
  { key: 'v2', name: 'V2 only', minDurationSeconds: 72 * 3600, signoffs: { roles: ['Technical Lead', 'Product Owner'], required: 2, allowSelfApproval: false } },
  { key: 'default', name: 'V2 default', minDurationSeconds: 0 },
];
const base = (over: Partial<ReadinessInput> = {}): ReadinessInput => ({
  status: 'active',
  currentPhaseIndex: 0,
  phaseEnteredAt: hoursAgo(2),
  phases,
  now,
  checklist: {},
  signoffs: {},
  ...over,
});
const so = (userId: string, role: string, decision: 'approve' | 'reject' = 'approve', holdsRole = true): StandingSignoff => ({ role, userId, userName: userId.toUpperCase(), decision, comment: '', at: now.toISOString(), holdsRole });

describe('computeReadiness', () => {
  it('start is guarded by the first phase’s checklist only', () => {
    const r = computeReadiness(base({ status: 'draft', currentPhaseIndex: null, phaseEnteredAt: null }));
    expect(r).toMatchObject({ action: 'start', from: null, to: { key: 'dual' }, ready: false });
    expect(r.reasons.map((x) => [x.kind, x.gate, x.status])).toEqual([['checklist', 'enter', 'fail']]);
    const ticked = computeReadiness(base({ status: 'draft', currentPhaseIndex: null, checklist: { dual: { dash: { checked: true, by: 'Eve', at: now.toISOString() } } } }));
    expect(ticked.ready).toBe(true);
  });

  it('promote is guarded by the current phase’s minimum duration and the next phase’s sign-offs', () => {
    const r = computeReadiness(base({ currentPhaseIndex: 0, phaseEnteredAt: hoursAgo(2) }));
    expect(r.reasons.map((x) => [x.kind, x.gate, x.phase, x.status])).toEqual([
      ['duration', 'leave', 'dual', 'fail'],
      ['signoff', 'enter', 'v2', 'fail'],
    ]);
    expect(r.reasons[0].detail).toBe('in phase 2h of 1d planned minimum (22h left)');
    expect(r.reasons[1].detail).toBe('0 of 2 approvals; roles: Technical Lead, Product Owner');
  });

  it('ready only when every reason passes; evidence verdicts hold the gate, inconclusive like fail', () => {
    const ok = base({ currentPhaseIndex: 0, phaseEnteredAt: hoursAgo(25), signoffs: { v2: [so('a', 'Technical Lead'), so('b', 'Product Owner')] } });
    expect(computeReadiness(ok).ready).toBe(true);
    expect(computeReadiness({ ...ok, criteria: [{ kind: 'metric', status: 'inconclusive', detail: 'waiting for data: 120 of 500 samples' }] }).ready).toBe(false);
    expect(computeReadiness({ ...ok, criteria: [{ kind: 'metric', status: 'pass', detail: 'error rate 0.7 % < 1 %' }] }).ready).toBe(true);
  });

  it('the last phase’s promote completes: only the leaving guards apply', () => {
    const r = computeReadiness(base({ currentPhaseIndex: 2, phaseEnteredAt: hoursAgo(1) }));
    expect(r).toMatchObject({ action: 'promote', from: { key: 'default' }, to: null, ready: true, reasons: [] });
  });

  it('paused, completed and aborted rollouts are not ready, saying why', () => {
    expect(computeReadiness(base({ status: 'paused' })).reasons[0]).toMatchObject({ kind: 'status', detail: 'the rollout is paused: resume it before promoting' });
    expect(computeReadiness(base({ status: 'completed' }))).toMatchObject({ ready: false, action: null });
    expect(computeReadiness(base({ status: 'aborted', currentPhaseIndex: null }))).toMatchObject({ ready: false, action: null });
  });
});

describe('signoffReason', () => {
  const gate = phases[1];
  it('four eyes: the promoter’s approval does not count; allowSelfApproval lets it', () => {
    const standing = [so('eve', 'Technical Lead'), so('pat', 'Product Owner')];
    expect(signoffReason(gate, standing, 'eve')).toMatchObject({ status: 'fail', approvals: 1 });
    expect(signoffReason(gate, standing, 'eve')!.detail).toContain('your own approval does not count (four eyes)');
    expect(signoffReason({ ...gate, signoffs: { ...gate.signoffs!, allowSelfApproval: true } }, standing, 'eve')).toMatchObject({ status: 'pass', approvals: 2 });
    expect(signoffReason(gate, standing, 'someone-else')).toMatchObject({ status: 'pass' });
  });
  it('one person counts once, whatever roles they hold; a role they no longer hold does not count; roles off the gate do not count', () => {
    expect(signoffReason(gate, [so('tina', 'Technical Lead'), so('tina', 'Product Owner')], null)).toMatchObject({ status: 'fail', approvals: 1 });
    expect(signoffReason(gate, [so('tina', 'Technical Lead'), so('pat', 'Product Owner', 'approve', false)], null)).toMatchObject({ status: 'fail', approvals: 1 });
    expect(signoffReason(gate, [so('tina', 'Technical Lead'), so('x', 'Security Lead')], null)).toMatchObject({ status: 'fail', approvals: 1 });
  });
  it('a standing rejection blocks however many approvals there are', () => {
    const r = signoffReason(gate, [so('a', 'Technical Lead'), so('b', 'Product Owner'), so('c', 'Technical Lead', 'reject')], null)!;
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/^rejected by C \(Technical Lead\)/);
  });
  it('property: never passes with fewer distinct counting approvers than required, or with a rejection', () => {
    const arb = fc.array(fc.record({ user: fc.constantFrom('a', 'b', 'c', 'd'), role: fc.constantFrom('Technical Lead', 'Product Owner', 'Other'), decision: fc.constantFrom('approve', 'reject' as const), holds: fc.boolean() }), { maxLength: 8 });
    fc.assert(
      fc.property(arb, fc.constantFrom(null, 'a', 'b'), fc.integer({ min: 1, max: 3 }), (rows, promoter, required) => {
        const g = { ...gate, signoffs: { roles: ['Technical Lead', 'Product Owner'], required, allowSelfApproval: false } };
        const standing = rows.map((r) => so(r.user, r.role, r.decision as 'approve' | 'reject', r.holds));
        const r = signoffReason(g, standing, promoter)!;
        const counting = new Set(standing.filter((s) => s.decision === 'approve' && s.holdsRole && g.signoffs.roles.includes(s.role) && s.userId !== promoter).map((s) => s.userId));
        const rejected = standing.some((s) => s.decision === 'reject' && s.holdsRole && g.signoffs.roles.includes(s.role));
        expect(r.status === 'pass').toBe(!rejected && counting.size >= required);
      }),
    );
  });
});

describe('gateFingerprint', () => {
  it('changes when the checklist, the sign-off rule or the flag values change, not when keys are reordered', () => {
    const p = { key: 'beta', checklist: [{ key: 'a', text: 'A', required: true }], signoffs: { roles: ['X'], required: 1 }, flags: { F: 'v2', G: 1 } };
    expect(gateFingerprint({ ...p, flags: { G: 1, F: 'v2' } })).toBe(gateFingerprint(p));
    expect(gateFingerprint({ ...p, flags: { F: 'v3', G: 1 } })).not.toBe(gateFingerprint(p));
    expect(gateFingerprint({ ...p, signoffs: { roles: ['X'], required: 2 } })).not.toBe(gateFingerprint(p));
    expect(gateFingerprint({ ...p, checklist: [] })).not.toBe(gateFingerprint(p));
  });
});

describe('formatSeconds', () => {
  it('reads like a person would say it', () => {
    expect([0, 59, 60, 3600, 3660, 86400, 90000, 26 * 3600].map(formatSeconds)).toEqual(['0s', '59s', '1m', '1h', '1h 1m', '1d', '1d 1h', '1d 2h']);
  });
});

describe('buildTimeline', () => {
  const tl = [
    { key: 'a', name: 'A', minDurationSeconds: 3600 },
    { key: 'b', name: 'B', minDurationSeconds: 7200 },
    { key: 'c', name: 'C', minDurationSeconds: 0 },
  ];
  const ev = (action: string, h: number, toPhase: string | null, toStatus = 'active', fromPhase: string | null = null) => ({ action, at: hoursAgo(h), toPhase, fromPhase, toStatus });
  it('planned dates chain the minimums from the actual start; actual dates come from the transitions; the forecast counts what is left', () => {
    const t = buildTimeline(tl, [ev('create', 10, null, 'draft'), ev('start', 5, 'a'), ev('promote', 3, 'b', 'active', 'a')], now, { status: 'active', currentPhaseIndex: 1 });
    expect(t.startedAt).toEqual(hoursAgo(5));
    expect(t.phases.map((p) => [p.key, p.status, p.actualSeconds])).toEqual([
      ['a', 'done', 7200],
      ['b', 'current', 10800],
      ['c', 'pending', 0],
    ]);
    expect(t.phases[1].plannedStart).toEqual(hoursAgo(4));
    expect(t.phases[1].plannedEnd).toEqual(hoursAgo(2));
    expect(t.phases[0].actualEnd).toEqual(hoursAgo(3));
    // b needs 2h and has had 3h: nothing left but c's 0
    expect(t.forecastEnd).toEqual(now);
  });
  it('a pause keeps the phase; a rollback to an earlier phase re-enters it', () => {
    const t = buildTimeline(tl, [ev('start', 6, 'a'), ev('promote', 5, 'b', 'active', 'a'), ev('pause', 4, 'b', 'paused', 'b'), ev('rollback', 3, 'a', 'active', 'b')], now, { status: 'active', currentPhaseIndex: 0 });
    expect(t.phases.map((p) => [p.key, p.status, p.actualSeconds])).toEqual([
      ['a', 'current', 3600 + 3 * 3600],
      ['b', 'pending', 2 * 3600],
      ['c', 'pending', 0],
    ]);
    expect(t.phases[0].actualStart).toEqual(hoursAgo(3));
  });
});
