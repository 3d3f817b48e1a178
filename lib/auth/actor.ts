// Who is acting, and what each role may do. Every service calls `authorize` first — the check
// lives inside the use case, never only in a proxy/middleware (cf. CVE-2025-29927).
import { forbidden } from '../errors';

// flags: a flag-read token of one environment; metrics: pushes evidence and reads readiness, nothing else
export const ROLES = ['viewer', 'engineer', 'approver', 'admin', 'flags', 'metrics'] as const;
export type Role = (typeof ROLES)[number];
/** roles a person or an API token can hold for the management API */
export const MANAGEMENT_ROLES = ['viewer', 'engineer', 'approver', 'admin'] as const;

export interface Actor {
  kind: 'user' | 'token' | 'system';
  id: string | null;
  name: string;
  role: Role;
  /** flags tokens are scoped to one environment */
  environmentId?: string | null;
  /** a signed-in user's session (the `sessions` row), for sign-out */
  sessionId?: string;
  /** a personal token acts as this user (sign-offs, four eyes); service tokens have none */
  userId?: string | null;
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null, name: 'system', role: 'admin' };

export const PERMISSIONS = {
  'rollout.read': ['viewer', 'engineer', 'approver', 'admin'],
  'rollout.create': ['engineer', 'admin'],
  'rollout.transition': ['engineer', 'admin'],
  // take a step whose gate is not ready (loud: shown on the rollout, in the audit and the report)
  'rollout.override': ['admin'],
  'readiness.read': ['viewer', 'engineer', 'approver', 'admin', 'metrics'],
  // push metric samples and dual-run comparisons (a metrics token may be limited to some rollouts)
  'evidence.write': ['engineer', 'admin', 'metrics'],
  // tick / untick a phase's checklist items
  'checklist.tick': ['engineer', 'approver', 'admin'],
  // record or withdraw a sign-off; the person must also hold the sign-off role the gate names
  // (users.signoff_roles) and be a person: a session or a personal token, never a service token
  'signoff.record': ['viewer', 'engineer', 'approver', 'admin'],
  'user.manage': ['admin'],
  'environment.manage': ['admin'],
  'token.manage': ['admin'],
  // webhooks that receive phase communications (their URLs are the admins' to vouch for)
  'webhook.manage': ['admin'],
  'security.read': ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(actor: Actor | null | undefined, permission: Permission): boolean {
  return !!actor && (PERMISSIONS[permission] as readonly Role[]).includes(actor.role);
}

export function authorize(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) {
    throw forbidden(`role "${actor.role}" may not ${permission.replace('.', ': ')} (needs ${PERMISSIONS[permission].join(' or ')})`);
  }
}
