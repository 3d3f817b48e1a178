// What every server action does first. Server actions are public POST endpoints: Next.js checks
// their Origin against the request's own Host / X-Forwarded-Host, which a client controls, and
// lets a request with no Origin through. So each action here checks the Origin against the
// configured public URL (lib/env.ts trustedOrigins) and refuses a missing one, then resolves the
// signed-in user from the database; authorization itself stays inside the services.
import { randomUUID } from 'node:crypto';
import { headers } from 'next/headers';
import type { Actor } from '../auth/actor';
import { requireSessionActor } from '../auth/session';
import { AppError, asActionResult, type ActionResult } from '../errors';
import { isLogged, markLogged, recordSecurityEvent } from '../security/log';
import { assertTrustedOrigin } from '../security/origin';
import { requestInfo, type RequestInfo } from '../security/request-info';

export interface ActionContext {
  actor: Actor;
  requestId: string;
  info: RequestInfo;
}

/** Runs a server action: Origin check, session, then `fn`; errors become values, refusals are logged. */
export async function runAction<T>(name: string, fn: (ctx: ActionContext) => Promise<T>): Promise<ActionResult<T>> {
  const requestId = randomUUID();
  let info: RequestInfo = { ip: null, userAgent: null, method: 'POST', path: `action:${name}` };
  let actor: Actor | null = null;
  return asActionResult(async () => {
    try {
      const h = await headers();
      info = requestInfo(h, 'POST', `action:${name}`);
      try {
        assertTrustedOrigin(h.get('origin'), 'server action');
      } catch (e) {
        await recordSecurityEvent({ type: 'origin.refused', info, requestId, detail: (e as Error).message });
        throw markLogged(e);
      }
      actor = await requireSessionActor();
      return await fn({ actor, requestId, info });
    } catch (e) {
      if (e instanceof AppError && (e.code === 'forbidden' || e.code === 'unauthorized') && !isLogged(e)) {
        await recordSecurityEvent({ type: e.code === 'forbidden' ? 'authz.denied' : 'authn.failed', actor, info, requestId, detail: e.message });
      }
      throw e;
    }
  });
}
