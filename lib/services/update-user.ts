// Changes a person (admin): name, role, sign-off roles, password, disabled. One transaction with
// one audit row carrying the before/after (who holds which sign-off role is audited too).
// Disabling ends every session and revokes every personal token of that user in the same
// transaction, so their next request is a 401. An admin cannot disable themselves or drop their
// own admin role, and nobody can take away the last enabled admin (no locking everyone out).
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { hashPassword } from '../auth/password';
import { prisma } from '../db';
import { conflict, notFound } from '../errors';
import { toUserView, type UserView } from '../queries/users';
import { ZManagementRole, ZPassword, ZSignoffRoles, ZUserName } from './create-user';

export const ZUserIdSchema = z.uuid({ error: 'not a user id (a UUID)' });

const FIELDS = ['name', 'role', 'signoffRoles', 'disabled', 'password'] as const;

export const ZUpdateUserSchema = z
  .strictObject({
    name: ZUserName.optional(),
    role: ZManagementRole.optional(),
    signoffRoles: ZSignoffRoles.optional(),
    disabled: z.boolean({ error: 'must be true or false' }).optional(),
    password: ZPassword.optional(),
  })
  .refine((o) => FIELDS.some((f) => o[f] !== undefined), { message: `nothing to change: send at least one of ${FIELDS.join(', ')}` });
export type TUpdateUserSchema = z.infer<typeof ZUpdateUserSchema>;

/** the user a caller acts as: their session, or the owner of their personal token */
const personOf = (actor: Actor) => (actor.kind === 'user' ? actor.id : (actor.userId ?? null));

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const refuse = (path: string, message: string) => conflict(message, { errors: [{ path, message }] });

export async function updateUser(actor: Actor, id: string, input: TUpdateUserSchema): Promise<UserView> {
  authorize(actor, 'user.manage');
  // hashed outside the transaction: scrypt takes tens of milliseconds
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
  return prisma().$transaction(async (tx) => {
    // the target and every enabled admin, locked in one order: the last-admin check below holds
    // against a concurrent demotion, and two such updates cannot deadlock
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM users WHERE id = ${id}::uuid OR (role = 'admin' AND disabled_at IS NULL) ORDER BY id FOR UPDATE`;
    if (!locked.some((r) => r.id === id)) throw notFound(`no user with id "${id}"`);
    const before = await tx.user.findUniqueOrThrow({ where: { id } });
    const was = { name: before.name, role: before.role as string, signoffRoles: before.signoffRoles, disabled: before.disabledAt !== null };
    const next = {
      name: input.name ?? was.name,
      role: input.role ?? was.role,
      signoffRoles: input.signoffRoles ?? was.signoffRoles,
      disabled: input.disabled ?? was.disabled,
    };
    const changed = [
      ...(next.name !== was.name ? ['name'] : []),
      ...(next.role !== was.role ? ['role'] : []),
      ...(!sameList(next.signoffRoles, was.signoffRoles) ? ['signoffRoles'] : []),
      ...(next.disabled !== was.disabled ? ['disabled'] : []),
      ...(passwordHash !== undefined ? ['password'] : []),
    ];
    if (changed.length === 0) return toUserView(before);

    const self = personOf(actor) === id;
    if (self && next.disabled && !was.disabled) {
      throw refuse('disabled', 'you cannot disable your own account (another admin can), so an admin never locks themselves out');
    }
    if (self && was.role === 'admin' && next.role !== 'admin') {
      throw refuse('role', 'you cannot remove your own admin role (another admin can), so an admin never locks themselves out');
    }
    const wasEnabledAdmin = was.role === 'admin' && !was.disabled;
    if (wasEnabledAdmin && (next.role !== 'admin' || next.disabled) && !locked.some((r) => r.id !== id)) {
      throw refuse(next.disabled ? 'disabled' : 'role', `"${before.email}" is the last enabled admin; make someone else admin first`);
    }

    const now = new Date();
    const user = await tx.user.update({
      where: { id },
      data: {
        name: next.name,
        role: next.role as typeof before.role,
        signoffRoles: next.signoffRoles,
        disabledAt: next.disabled ? (before.disabledAt ?? now) : null,
        ...(passwordHash !== undefined ? { passwordHash } : {}),
      },
    });
    let sessionsEnded = 0;
    let tokensRevoked = 0;
    if (next.disabled && !was.disabled) {
      sessionsEnded = (await tx.session.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: now } })).count;
      tokensRevoked = (await tx.apiToken.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: now } })).count;
    }
    if (next.role !== was.role) {
      // a personal token acts with its user's current role (lib/auth/session.ts); the stored copy
      // follows so the token list and the flag server's token table tell the truth
      await tx.apiToken.updateMany({ where: { userId: id, revokedAt: null }, data: { role: user.role } });
    }

    const action = changed.includes('disabled') ? (next.disabled ? 'user.disable' : 'user.enable') : 'user.update';
    await tx.auditEvent.create({
      data: {
        actorType: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action,
        reason: describe(before.email, was, next, passwordHash !== undefined),
        details: {
          userId: id,
          email: before.email,
          changed,
          before: was,
          after: next,
          ...(passwordHash !== undefined ? { passwordChanged: true } : {}),
          ...(action === 'user.disable' ? { sessionsEnded, tokensRevoked } : {}),
        },
      },
    });
    return toUserView(user);
  });
}

type State = { name: string; role: string; signoffRoles: string[]; disabled: boolean };

function describe(email: string, was: State, next: State, password: boolean): string {
  const list = (l: string[]) => (l.length ? l.map((r) => `"${r}"`).join(', ') : 'none');
  const parts = [
    ...(next.disabled !== was.disabled ? [next.disabled ? 'disabled' : 'enabled'] : []),
    ...(next.name !== was.name ? [`name "${was.name}" → "${next.name}"`] : []),
    ...(next.role !== was.role ? [`role ${was.role} → ${next.role}`] : []),
    ...(!sameList(next.signoffRoles, was.signoffRoles) ? [`sign-off roles ${list(was.signoffRoles)} → ${list(next.signoffRoles)}`] : []),
    ...(password ? ['password set'] : []),
  ];
  return `user "${email}": ${parts.join('; ')}`;
}
