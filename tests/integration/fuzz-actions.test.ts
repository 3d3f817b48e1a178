// Fuzzing the server actions (issue 7, "Fuzzing as a test"): arbitrary values (fc.anything(),
// wrong shapes, hostile strings) into every action that takes input, signed in as an admin.
// Each call must return { ok: false, error: { code: 'bad_request', … } } naming the field (or
// succeed on a valid input) — never throw, never code 'internal' — and a refusal writes nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { prisma } from '../../lib/db';
import { ensureEnvironments, marketScanPlan } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';
import { endRowCounts, FuzzTally, fuzzOptions, hostileString, hostileValue, nested, notAString, rowCounts, toJsonText, unstorableString, pathRelated } from '../helpers/fuzz-kit';

vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig<object>()));
vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig<object>()));

const { signInAs } = await import('../helpers/browser-session');
const { transitionAction, createRolloutAction } = await import('../../lib/actions/rollouts');
const { createEnvironmentAction } = await import('../../lib/actions/environments');
const { createTokenAction, revokeTokenAction } = await import('../../lib/actions/tokens');
const { hashPassword } = await import('../../lib/auth/password');

const tally = new FuzzTally('server actions');
let last: Record<string, number>;
let draftKey = '';

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
  const u = await prisma().user.create({ data: { email: 'admin@fuzz-actions.test', name: 'admin', role: 'admin', passwordHash: await hashPassword('x') } });
  await signInAs(u.id);
  const { plan } = marketScanPlan();
  const created = await createRolloutAction(JSON.stringify(plan));
  expect(created.ok).toBe(true);
  draftKey = plan.key;
  last = await rowCounts();
});

afterAll(async () => {
  await endRowCounts();
  console.log(tally.summary());
});

/** anything a client could make React send, and more */
const anything = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, withObjectString: true, maxDepth: 3 });
const field = fc.oneof(anything, hostileString, unstorableString, notAString);

async function run(name: string, call: () => Promise<{ ok: boolean; error?: { code: string; message: string; errors?: { path: string }[] } }>, fields: string[], mustFail: boolean, input: unknown) {
  tally.inputs++;
  const show = () => {
    try {
      return toJsonText(input).slice(0, 500);
    } catch {
      return String(input).slice(0, 500);
    }
  };
  let r;
  try {
    r = await call();
  } catch (e) {
    tally.serverErrors++;
    expect.fail(`${name} threw ${(e as Error)?.message}\ninput: ${show()}`);
  }
  const after = await rowCounts();
  const before = last;
  last = after;
  if (r.ok) {
    tally.accepted++;
    if (mustFail) expect.fail(`${name} accepted an invalid input: ${show()}`);
    return;
  }
  tally.refused++;
  if (r.error?.code === 'internal' || r.error?.code === 'unavailable') {
    tally.serverErrors++;
    expect.fail(`${name} answered ${r.error.code}: ${r.error.message}\ninput: ${show()}`);
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    tally.partialWrites++;
    expect.fail(`${name} refused but changed rows: ${JSON.stringify(before)} → ${JSON.stringify(after)}\ninput: ${show()}`);
  }
  if (r.error?.code === 'bad_request') {
    const paths = (r.error.errors ?? []).map((e) => e.path);
    const named = paths.some((p) => fields.some((f) => pathRelated(p, f))) || fields.some((f) => r.error!.message.includes(f));
    if (!named) expect.fail(`${name}: bad_request not naming ${fields.join(' or ')}: ${JSON.stringify(r.error).slice(0, 400)}\ninput: ${show()}`);
  }
}

describe('fuzz: server actions', () => {
  it('transitionAction with arbitrary input and with one bad field at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anything.map((input) => ({ input, fields: ['(body)', 'key', 'action', 'reason', 'expectedVersion'] })),
          fc.tuple(fc.constantFrom('key', 'action', 'reason', 'expectedVersion', 'to', 'extra'), field).map(([k, v]) => {
            const input: Record<string, unknown> = { key: draftKey, action: 'start', reason: 'fuzz', expectedVersion: 99, to: undefined };
            input[k] = v;
            // expectedVersion 99 is stale: even a fully valid input is refused (409), nothing moves
            return { input, fields: [k, '(body)', 'key', 'to'] };
          }),
        ),
        async ({ input, fields }) => run('transitionAction', () => transitionAction(input as never), fields, true, input),
      ),
      fuzzOptions(800),
    );
  }, 120_000);

  it('createRolloutAction with arbitrary values and hostile YAML text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anything,
          hostileString,
          hostileValue.map((v) => toJsonText(v)),
          fc.integer({ min: 33, max: 30_000 }).map((d) => `key: x\nname: X\nflags:\n  - key: D\n    type: json\n    baseline: ${toJsonText(nested(d))}\nphases: [{ key: a, name: A }]\n`),
          fc.constantFrom('%YAML 1.1\n---\nkey: !!binary aGVsbG8=\n', 'key: &a [*a]\n', 'a: &x [1]\nb: *x\n', 'key: x\nkey: y\n', '? [1, 2]\n: x\n', '--- a\n--- b\n', '\tkey: x', '!!js/function "x"', 'key: !!set {a, b}\n'),
        ),
        async (source) => run('createRolloutAction', () => createRolloutAction(source as never), ['(plan)', '(body)', 'plan', 'key', 'name', 'flags', 'phases'], true, source),
      ),
      fuzzOptions(500),
    );
  }, 120_000);

  it('createEnvironmentAction, createTokenAction and revokeTokenAction with arbitrary input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.oneof(anything, fc.record({ key: field, name: field }, { requiredKeys: [] }), fc.record({ key: fc.constant('fuzz-env'), sortOrder: field })).map((input) => ({ which: 'env' as const, input })),
          fc.oneof(anything, fc.record({ name: field, role: fc.oneof(field, fc.constantFrom('admin', 'flags', 'viewer')), environment: field }, { requiredKeys: [] })).map((input) => ({ which: 'token' as const, input })),
          fc.oneof(anything, hostileString, fc.uuid()).map((input) => ({ which: 'revoke' as const, input })),
        ),
        async ({ which, input }) => {
          if (which === 'env') return run('createEnvironmentAction', () => createEnvironmentAction(input as never), ['(body)', 'key', 'name', 'sortOrder'], false, input);
          if (which === 'token') return run('createTokenAction', () => createTokenAction(input as never), ['(body)', 'name', 'role', 'environment'], false, input);
          return run('revokeTokenAction', () => revokeTokenAction(input as never), ['(body)', 'id', 'token id'], true, input);
        },
      ),
      fuzzOptions(1_000),
    );
  }, 120_000);
});
