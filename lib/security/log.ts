// The security log: sign-ins (success and failure), refused authorizations, refused
// cross-origin writes, rate-limit trips, API tokens used from a new IP, sign-outs. Append-only
// (the database refuses UPDATE/DELETE/TRUNCATE) and separate from a rollout's audit trail.
// Writing it never breaks the request that caused it: a failed write is logged to stderr.
import { prisma } from '../db';
import type { Actor } from '../auth/actor';
import type { RequestInfo } from './request-info';

export const SECURITY_EVENT_TYPES = [
  'signin.success',
  'signin.failure',
  'signin.rate_limited',
  'signout',
  'authz.denied',
  'authn.failed',
  'origin.refused',
  'token.new_ip',
] as const;
export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

export interface SecurityEventInput {
  type: SecurityEventType;
  actor?: Pick<Actor, 'kind' | 'id' | 'name'> | null;
  account?: string | null;
  info?: Partial<RequestInfo>;
  detail?: string;
  requestId?: string | null;
}

const clean = (s: string | null | undefined, max: number) =>
  // NUL and lone surrogates cannot be stored in Postgres text; this is a log, keep what we can
  s == null ? null : s.split('\u0000').join('\\0').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd').slice(0, max);

export async function recordSecurityEvent(e: SecurityEventInput): Promise<void> {
  try {
    await prisma().securityEvent.create({
      data: {
        type: e.type,
        actorType: e.actor?.kind ?? null,
        actorId: e.actor?.id ?? null,
        actorName: clean(e.actor?.name, 200),
        account: clean(e.account, 320),
        ip: e.info?.ip ?? null,
        userAgent: clean(e.info?.userAgent, 300),
        method: e.info?.method ?? null,
        path: clean(e.info?.path, 500),
        detail: clean(e.detail, 1000) ?? '',
        requestId: clean(e.requestId, 100),
      },
    });
  } catch (err) {
    console.error(`[switchyard] could not write security event ${e.type}:`, err instanceof Error ? err.message : err);
  }
}

const logged = new WeakSet<object>();
/** Marks an error as already in the security log, so an outer handler does not log it twice. */
export function markLogged<E>(e: E): E {
  if (e && typeof e === 'object') logged.add(e);
  return e;
}
export function isLogged(e: unknown): boolean {
  return !!e && typeof e === 'object' && logged.has(e);
}
