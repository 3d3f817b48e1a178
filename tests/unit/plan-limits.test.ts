// Plan limits and hostile values in the pure plan validation (issue 7, defects 2, 8, 9): the same
// checks the REST route and the server action reach, with no database.
import { describe, expect, it } from 'vitest';
import { formatPath, validatePlan } from '../../lib/domain/plan';
import { findUnsafeInput, LIMITS, textProblem } from '../../lib/limits';

const plan = (over: Record<string, unknown> = {}) => ({
  key: 'p',
  name: 'P',
  flags: [{ key: 'ENGINE', type: 'boolean', baseline: false }],
  phases: [{ key: 'on', name: 'On', flags: { ENGINE: true } }],
  ...over,
});

const problems = (doc: unknown) => {
  const r = validatePlan(doc);
  return r.ok ? [] : r.problems;
};

describe('flag keys unique after the .env mapping', () => {
  it('a.b, a-b and a_b collide; each later one is reported by path naming both keys', () => {
    const ps = problems(
      plan({
        flags: [
          { key: 'a.b', type: 'boolean', baseline: false },
          { key: 'a_b', type: 'boolean', baseline: false },
          { key: 'a-b', type: 'boolean', baseline: false },
          { key: 'A_b', type: 'boolean', baseline: false },
        ],
        phases: [{ key: 'on', name: 'On', flags: {} }],
      }),
    );
    expect(ps.map((p) => p.path)).toEqual(['flags[1].key', 'flags[2].key']);
    expect(ps[0].message).toMatch(/"a_b" and "a\.b" \(flags\[0\]\) both export as a_b/);
  });
});

describe('durations', () => {
  it('up to 365 days is fine; more is a plan error by path, however many digits', () => {
    expect(validatePlan(plan({ phases: [{ key: 'on', name: 'On', minDuration: '365d', flags: {} }] })).ok).toBe(true);
    for (const d of ['366d', '53w', '999999999w', `${'9'.repeat(30)}s`]) {
      const ps = problems(plan({ phases: [{ key: 'on', name: 'On', minDuration: d, flags: {} }] }));
      expect(ps, d).toEqual([{ path: 'phases[0].minDuration', message: expect.stringMatching(/at most 365d/) }]);
    }
  });
});

describe('value sizes and counts', () => {
  it('a baseline or phase value over 8 KiB as JSON is refused; 8 KiB exactly is fine', () => {
    const fits = 'x'.repeat(LIMITS.valueBytes - 2); // the quotes make it exactly 8 KiB
    expect(validatePlan(plan({ flags: [{ key: 'J', type: 'json', baseline: fits }], phases: [{ key: 'on', name: 'On', flags: { J: fits } }] })).ok).toBe(true);
    const ps = problems(plan({ flags: [{ key: 'J', type: 'json', baseline: fits + 'x' }], phases: [{ key: 'on', name: 'On', flags: { J: [fits] } }] }));
    expect(ps.map((p) => p.path)).toEqual(['flags[0].baseline', 'phases[0].flags.J']);
  });

  it('2,000 flags are allowed; past the cap is refused at "flags"', () => {
    const flags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `F${i}`, type: 'boolean', baseline: false }));
    expect(LIMITS.flagsPerPlan).toBeGreaterThanOrEqual(2000);
    expect(validatePlan(plan({ flags: flags(2000), phases: [{ key: 'on', name: 'On', flags: {} }] })).ok).toBe(true);
    expect(problems(plan({ flags: flags(LIMITS.flagsPerPlan + 1), phases: [{ key: 'on', name: 'On', flags: {} }] })).map((p) => p.path)).toEqual(['flags']);
  });
});

describe('hostile strings and nesting', () => {
  it('NUL and lone surrogates anywhere, keys included, by path; a proper surrogate pair is fine', () => {
    expect(problems(plan({ description: 'a\u0000' }))).toEqual([{ path: 'description', message: 'contains a NUL character' }]);
    expect(problems(plan({ owner: '\ud83d' }))[0]).toEqual({ path: 'owner', message: expect.stringMatching(/unpaired surrogate/) });
    expect(problems(plan({ phases: [{ key: 'on', name: 'On', flags: { 'EN\u0000': true } }] }))[0].path).toBe('phases[0].flags');
    expect(validatePlan(plan({ description: 'rocket 🚀' })).ok).toBe(true);
    expect(textProblem('\udc00\ud800')).toMatch(/surrogate/);
    expect(textProblem('\ud800\udc00')).toBeNull();
  });

  it('nesting is checked without recursion: 100,000 levels report where the limit was passed', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const p = findUnsafeInput({ a: deep });
    expect(p?.message).toBe(`nested deeper than ${LIMITS.depth} levels`);
    expect(p?.path).toHaveLength(LIMITS.depth);
    expect(formatPath(p!.path)).toMatch(/^a(\[0\])+$/);
    expect(problems(plan({ flags: [{ key: 'J', type: 'json', baseline: deep }] }))[0].message).toMatch(/nested deeper/);
    // exactly at the limit is fine
    let ok: unknown = 0;
    for (let i = 0; i < LIMITS.depth; i++) ok = [ok];
    expect(findUnsafeInput(ok)).toBeNull();
  });

  it('an empty path reads as the document, or as the label given', () => {
    expect(formatPath([])).toBe('(plan)');
    expect(formatPath([], '(body)')).toBe('(body)');
    expect(formatPath(['flags', 0, 'key'])).toBe('flags[0].key');
  });
});
