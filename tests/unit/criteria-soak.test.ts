// Soak: a run of consecutive passing evaluations covering `for`, restarted by a fail or an
// inconclusive, derived from stored evaluations only (a restart neither resets nor extends it).
// Red-flag debounce: `after` consecutive failing evaluations trip once; inconclusive neither
// counts nor resets; a healthy evaluation re-arms. Verdicts for readiness carry the soak.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeReadiness } from '../../lib/domain/readiness';
import { evaluateCriterion, type Status, type TCriterion } from '../../lib/domain/criteria';
import { criterionKey, RED_FLAG_START, redFlagDetail, redFlagReplay, redFlagStep, soak, toVerdict, type StoredEvaluation } from '../../lib/domain/soak';

const T0 = Date.UTC(2025, 0, 1, 0, 0, 0);
const H = 3600;
const at = (s: number) => new Date(T0 + s * 1000);
/** one evaluation per hour from hour 0, with the given statuses */
const hourly = (statuses: Status[]): StoredEvaluation[] => statuses.map((status, i) => ({ at: at(i * H), status }));

describe('soak', () => {
  it('holds from the first passing evaluation of the current run to the latest', () => {
    const s = soak(hourly(Array(27).fill('pass')), 24 * H, at(26 * H));
    expect(s).toMatchObject({ heldSeconds: 26 * H, requiredSeconds: 24 * H, passing: true, leftSeconds: 0 });
    expect(s.since).toEqual(at(0));
  });

  it.each(['fail', 'inconclusive'] as const)('a %s restarts the clock', (bad) => {
    const evs = hourly([...Array(20).fill('pass'), bad, ...Array(5).fill('pass')]);
    const s = soak(evs, 24 * H, at(25 * H));
    expect(s).toMatchObject({ heldSeconds: 4 * H, passing: false, leftSeconds: 20 * H });
    expect(s.since).toEqual(at(21 * H));
    // ending on the bad one: nothing held
    expect(soak(evs.slice(0, 21), 24 * H, at(20 * H))).toMatchObject({ heldSeconds: 0, passing: false, since: null });
  });

  it('a restart neither resets nor extends it: a pause in evaluating does not count as held time', () => {
    const evs = hourly(Array(10).fill('pass'));
    // evaluated last at hour 9; "now" far later, e.g. after the worker was down: still 9 h
    expect(soak(evs, 24 * H, at(40 * H)).heldSeconds).toBe(9 * H);
    // the same stored evaluations, read again (another process), give the same soak
    expect(soak([...evs].reverse(), 24 * H, at(40 * H))).toEqual(soak(evs, 24 * H, at(40 * H)));
    // evaluations after `now` are ignored
    expect(soak(evs, 24 * H, at(4 * H)).heldSeconds).toBe(4 * H);
  });

  it('with maxGapSeconds, a long gap breaks the run', () => {
    const evs = [...hourly(Array(5).fill('pass')), { at: at(20 * H), status: 'pass' as const }, { at: at(21 * H), status: 'pass' as const }];
    expect(soak(evs, 24 * H, at(21 * H)).heldSeconds).toBe(21 * H);
    expect(soak(evs, 24 * H, at(21 * H), 2 * H)).toMatchObject({ heldSeconds: H, since: at(20 * H) });
  });

  it('property: held time is exactly the span of the trailing run of passes', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Status>('pass', 'pass', 'pass', 'fail', 'inconclusive'), { maxLength: 60 }), (statuses) => {
        const s = soak(hourly(statuses), 10 * H, at(1000 * H));
        let run = 0;
        for (let i = statuses.length - 1; i >= 0 && statuses[i] === 'pass'; i--) run++;
        expect(s.heldSeconds).toBe(Math.max(0, run - 1) * H);
        expect(s.passing).toBe(run > 0 && (run - 1) * H >= 10 * H);
      }),
    );
  });
});

describe('toVerdict', () => {
  const c: TCriterion = { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '<', value: 1, window: '1h', for: '24h' };
  const passing = evaluateCriterion(c, { metrics: { error_rate: { candidate: { value: 0.7 } } } }, at(26 * H), { metrics: [{ key: 'error_rate', unit: '%', better: 'lower', label: 'error rate' }] });

  it('passes only when the current evaluation passes and the soak covers `for`', () => {
    const v = toVerdict(c, passing, hourly(Array(26).fill('pass')), at(26 * H), { maxGapSeconds: 2 * H });
    expect(v).toMatchObject({ kind: 'metric', status: 'pass', detail: 'error rate candidate 0.7 % < 1 %, held 26 h of 24 h' });
    const young = toVerdict(c, passing, hourly([...Array(20).fill('fail'), ...Array(6).fill('pass')]), at(26 * H), { maxGapSeconds: 2 * H });
    expect(young).toMatchObject({ status: 'fail', detail: 'error rate candidate 0.7 % < 1 %, held 6 h of 24 h (18 h left)' });
    expect(young.soak).toMatchObject({ heldSeconds: 6 * H, requiredSeconds: 24 * H, leftSeconds: 18 * H });
  });

  it('a failing or inconclusive current evaluation is the verdict, whatever the history', () => {
    const now = at(26 * H);
    const bad = evaluateCriterion(c, { metrics: { error_rate: { candidate: { value: NaN } } } }, now);
    expect(toVerdict(c, bad, hourly(Array(26).fill('pass')), now).status).toBe('inconclusive');
  });

  it('without `for` it is the current result', () => {
    const { for: _unused, ...now } = c;
    void _unused;
    expect(toVerdict(now, passing, [], at(26 * H))).toMatchObject({ status: 'pass', detail: 'error rate candidate 0.7 % < 1 %' });
  });

  it('a gap in evaluating longer than 5 intervals (at least 15 min) breaks the soak; a short one does not', () => {
    // evaluated every minute up to hour 2, then nothing until hour 26: only the current one counts
    const minutely = Array.from({ length: 121 }, (_, i) => ({ at: at(i * 60), status: 'pass' as const }));
    expect(toVerdict(c, passing, minutely, at(26 * H))).toMatchObject({ status: 'fail', soak: { heldSeconds: 0 } });
    // a 10-minute restart inside 25 h of minutely passes
    const restart = Array.from({ length: 26 * 60 }, (_, i) => ({ at: at(i * 60), status: 'pass' as const })).filter((e) => e.at < at(5 * H) || e.at >= at(5 * H + 600));
    expect(toVerdict(c, passing, restart, at(26 * H))).toMatchObject({ status: 'pass', soak: { heldSeconds: 26 * H } });
    expect(toVerdict(c, passing, restart, at(26 * H), { maxGapSeconds: 300 })).toMatchObject({ status: 'fail' });
  });

  it('feeds readiness: a soaking criterion holds the gate with its reason', () => {
    const young = toVerdict(c, passing, hourly([...Array(23).fill('fail'), 'pass', 'pass', 'pass']), at(26 * H), { maxGapSeconds: 2 * H });
    const r = computeReadiness({
      status: 'active',
      currentPhaseIndex: 0,
      phaseEnteredAt: at(0),
      phases: [{ key: 'dual', name: 'Dual', minDurationSeconds: 0 }, { key: 'v2', name: 'V2', minDurationSeconds: 0 }],
      now: at(26 * H),
      checklist: {},
      signoffs: {},
      criteria: [young],
    });
    expect(r.ready).toBe(false);
    expect(r.reasons).toContainEqual(expect.objectContaining({ kind: 'metric', status: 'fail', gate: 'leave', phase: 'dual' }));
  });

  it('criterionKey changes with the criterion and not with key order', () => {
    const reordered = Object.fromEntries(Object.entries(c).reverse());
    expect(Object.keys(reordered)).not.toEqual(Object.keys(c));
    expect(criterionKey(c)).toBe(criterionKey(reordered));
    expect(criterionKey({ ...c, value: 2 })).not.toBe(criterionKey(c));
  });
});

describe('red-flag debounce', () => {
  it('trips once after `after` consecutive failing evaluations, not again while it keeps failing', () => {
    const { state, trip } = redFlagReplay(['pass', 'pass'], 3);
    expect(trip).toBe(false);
    const third = redFlagStep(state, 'pass', 3);
    expect(third.trip).toBe(true);
    expect(third.state).toMatchObject({ consecutive: 3, tripped: true });
    expect(redFlagStep(third.state, 'pass', 3).trip).toBe(false);
  });

  it('a healthy evaluation resets the count and re-arms', () => {
    expect(redFlagReplay(['pass', 'pass', 'fail', 'pass', 'pass'], 3).trip).toBe(false);
    const tripped = redFlagReplay(['pass', 'pass', 'pass', 'pass'], 3).state;
    const healthy = redFlagStep(tripped, 'fail', 3).state;
    expect(healthy).toEqual(RED_FLAG_START);
    expect(redFlagReplay(['pass', 'pass', 'pass', 'fail', 'pass', 'pass', 'pass'], 3).trip).toBe(true);
  });

  it('inconclusive neither counts toward `after` nor resets; it is counted as blind', () => {
    const r = redFlagReplay(['pass', 'inconclusive', 'inconclusive'], 2);
    expect(r).toMatchObject({ trip: false, state: { consecutive: 1, blind: 2 } });
    expect(redFlagStep(r.state, 'pass', 2).trip).toBe(true);
    expect(redFlagReplay(Array(50).fill('inconclusive'), 1).trip).toBe(false);
  });

  it('after 1 trips on the first failing evaluation', () => {
    expect(redFlagStep(RED_FLAG_START, 'pass', 1).trip).toBe(true);
  });

  it('property: trips = runs (ignoring inconclusive) of ≥ after failing evaluations', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Status>('pass', 'fail', 'inconclusive'), { maxLength: 80 }), fc.integer({ min: 1, max: 5 }), (whens, after) => {
        let state = RED_FLAG_START;
        let trips = 0;
        for (const w of whens) {
          const r = redFlagStep(state, w, after);
          state = r.state;
          if (r.trip) trips++;
        }
        const runs = whens
          .filter((w) => w !== 'inconclusive')
          .join('')
          .split('fail')
          .filter((chunk) => chunk.length / 'pass'.length >= after).length;
        expect(trips).toBe(runs);
      }),
    );
  });

  it('the audit sentence names the evidence', () => {
    const when = { kind: 'metric' as const, metric: 'error_rate', arm: 'candidate' as const, op: '>' as const, value: 5, window: '15m' };
    const r = evaluateCriterion(when, { metrics: { error_rate: { candidate: { value: 7.2 } } } }, at(0), { metrics: [{ key: 'error_rate', unit: '%', better: 'lower' }] });
    expect(r.status).toBe('pass');
    expect(redFlagDetail({ severity: 'critical', action: 'rollback' }, r, 3)).toBe('red flag (critical, rollback): error_rate candidate 7.2 % > 5 % for 3 evaluations');
  });
});
