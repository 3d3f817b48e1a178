// Issue 9: personal tokens on the flag server. They carry management roles, so they read the
// .env / JSON export like any viewer-and-up token and never OFREP (flags tokens only); disabling
// their user revokes them, and the flag server drops them on its next poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import type { FlagServer } from '../../lib/flag-server/server';
import { createToken } from '../../lib/services/create-token';
import { createUser } from '../../lib/services/create-user';
import { updateUser } from '../../lib/services/update-user';
import { createServingRollout, ensureFlagEnvironments, eventually, post, startTestFlagServer } from '../factories/flags';
import { setupTestDatabase } from '../helpers/db';

let server: FlagServer;
let flagKey = '';

beforeAll(async () => {
  const db = await setupTestDatabase();
  await ensureFlagEnvironments();
  flagKey = (await createServingRollout()).keys.engine;
  server = await startTestFlagServer(db.url);
  await server.store.waitReady();
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const exportEnv = (token: string) => fetch(`${server.url}/api/v1/environments/production/flags.env`, { headers: { authorization: `Bearer ${token}` } });

describe('personal tokens on the flag server', () => {
  it('read the export, not OFREP; disabling the user makes the flag server refuse the token within a poll', async () => {
    const u = await createUser(SYSTEM_ACTOR, { email: 'reader@flags.test', name: 'Reader', role: 'viewer', signoffRoles: [] });
    const t = await createToken(SYSTEM_ACTOR, { name: 'reader laptop', user: u.email });
    expect((await exportEnv(t.token)).status).toBe(200);
    expect((await post(server.url, `/ofrep/v1/evaluate/flags/${flagKey}`, t.token, {})).status).toBe(403);
    await updateUser(SYSTEM_ACTOR, u.id, { disabled: true });
    await eventually(async () => (await exportEnv(t.token)).status === 401, 5_000);
  });
});
