import { describe, expect, it } from 'vitest';
import { changedGateParts, diffPlans } from '@/lib/domain/plan-diff';

describe('diffPlans', () => {
  it('finds nothing in equal documents, whatever the key order', () => {
    expect(diffPlans({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('names each changed leaf by path, with before and after', () => {
    const before = { name: 'A', phases: [{ key: 'p1', flags: { X: 'v1', Y: true } }] };
    const after = { name: 'B', phases: [{ key: 'p1', flags: { X: 'v2', Y: true } }] };
    expect(diffPlans(before, after)).toEqual([
      { path: 'name', before: 'A', after: 'B' },
      { path: 'phases[0].flags.X', before: 'v1', after: 'v2' },
    ]);
  });

  it('reports added and removed array entries and keys with one side only', () => {
    const d = diffPlans({ phases: [{ key: 'a' }], owner: 'x' }, { phases: [{ key: 'a' }, { key: 'b' }], description: 'd' });
    expect(d).toEqual([
      { path: 'phases[1]', after: { key: 'b' } },
      { path: 'owner', before: 'x' },
      { path: 'description', after: 'd' },
    ]);
    expect('after' in d[1]).toBe(false);
  });

  it('treats a type change as one leaf', () => {
    expect(diffPlans({ v: { a: 1 } }, { v: [1] })).toEqual([{ path: 'v', before: { a: 1 }, after: [1] }]);
  });
});

describe('changedGateParts', () => {
  it('lists the gate parts that differ; absent equals empty', () => {
    expect(changedGateParts({ flags: {} }, { checklist: [] })).toEqual([]);
    expect(
      changedGateParts(
        { checklist: [{ key: 'a' }], signoffs: { roles: ['x'], required: 1 }, flags: { X: 1 }, name: 'n' },
        { checklist: [{ key: 'b' }], signoffs: { roles: ['x'], required: 2 }, flags: { X: 1 }, name: 'other' },
      ),
    ).toEqual(['checklist', 'signoffs']);
  });
});
