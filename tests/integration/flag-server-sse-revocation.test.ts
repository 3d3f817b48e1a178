// An open OFREP event stream lives no longer than its token (issue 7, #10): revoking the token
// (by the real revoke service), deleting it, or moving it to another environment ends the
// streams it opened within a few seconds, while streams of valid tokens stay open and keep
// receiving events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { hashToken } from '../../lib/auth/tokens';
import { prisma } from '../../lib/db';
import type { FlagServer } from '../../lib/flag-server/server';
import { revokeToken } from '../../lib/services/revoke-token';
import { act, createServingRollout, ensureFlagEnvironments, flagsToken, startTestFlagServer } from '../factories/flags';
import { setupTestDatabase, type TestDatabase } from '../helpers/db';

const ADMIN = 'bootstrap-admin-token-for-tests';
let db: TestDatabase;
let server: FlagServer;
let rolloutKey: string;

beforeAll(async () => {
  db = await setupTestDatabase();
  await ensureFlagEnvironments();
  ({ rolloutKey } = await createServingRollout());
  server = await startTestFlagServer(db.url, { adminToken: ADMIN });
  await server.store.waitReady();
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** an SSE connection that records its events and when the server ended it */
async function stream(token: string, environment = 'production') {
  const ac = new AbortController();
  const res = await fetch(`${server.url}/ofrep/v1/events?environment=${environment}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  const s = { events: [] as Record<string, unknown>[], endedAt: null as number | null, close: () => ac.abort() };
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const data = buf
            .slice(0, i)
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim());
          buf = buf.slice(i + 2);
          if (data.length) s.events.push(JSON.parse(data.join('\n')));
        }
      }
      s.endedAt = Date.now();
    } catch {
      // aborted by the test
    }
  })();
  return s;
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tokenId = async (secret: string) => (await prisma().apiToken.findUniqueOrThrow({ where: { tokenHash: hashToken(secret) } })).id;

describe('SSE streams and token revocation', () => {
  it('revoking a token ends its open stream within 3 s; a stream of a valid token stays open and keeps receiving events', async () => {
    const doomed = await flagsToken('production');
    const kept = await flagsToken('production');
    const a = await stream(doomed);
    const b = await stream(kept);
    // both are live: a change reaches both
    await act(rolloutKey, 'start');
    await until(() => a.events.length === 1 && b.events.length === 1, 3_000, 'first event on both streams');

    await revokeToken(SYSTEM_ACTOR, await tokenId(doomed));
    const revokedAt = Date.now();
    await until(() => a.endedAt !== null, 3_000, 'the revoked token’s stream ends');
    expect(a.endedAt! - revokedAt).toBeLessThan(3_000);

    // the other stream is still open and still told about changes
    await new Promise((r) => setTimeout(r, 600));
    expect(b.endedAt).toBeNull();
    await act(rolloutKey, 'rollback', { to: 'baseline' });
    await until(() => b.events.length === 2, 3_000, 'second event on the kept stream');
    expect(b.events[1]).toMatchObject({ type: 'refetchEvaluation' });
    expect(a.events).toHaveLength(1);
    expect(b.endedAt).toBeNull();

    // reconnecting with the revoked token is refused
    const again = await fetch(`${server.url}/ofrep/v1/events?environment=production`, { headers: { authorization: `Bearer ${doomed}` } });
    expect(again.status).toBe(401);
    // the bootstrap admin token, which is in no table, still works after the reload
    const admin = await fetch(`${server.url}/api/v1/environments/production/flags.json`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(admin.status).toBe(200);
    b.close();
  }, 20_000);

  it('deleting a token, or moving it to another environment, ends its stream too', async () => {
    const deleted = await flagsToken('production');
    const moved = await flagsToken('production');
    const kept = await flagsToken('staging');
    const d = await stream(deleted);
    const m = await stream(moved);
    const k = await stream(kept, 'staging');
    await new Promise((r) => setTimeout(r, 300));
    expect([d.endedAt, m.endedAt, k.endedAt]).toEqual([null, null, null]);

    const staging = await prisma().environment.findUniqueOrThrow({ where: { key: 'staging' } });
    await prisma().apiToken.update({ where: { id: await tokenId(moved) }, data: { environmentId: staging.id } });
    await prisma().apiToken.delete({ where: { id: await tokenId(deleted) } });
    const t0 = Date.now();
    await until(() => d.endedAt !== null && m.endedAt !== null, 3_000, 'both streams end');
    expect(Math.max(d.endedAt!, m.endedAt!) - t0).toBeLessThan(3_000);
    expect(k.endedAt).toBeNull();
    k.close();
  }, 20_000);
});
