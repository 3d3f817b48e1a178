// Adds a person (admin): their management role and the sign-off roles they hold. The password,
// when given, is stored as a scrypt hash only; without one the account gets an unusable hash and
// cannot sign in with a password until an admin sets one (PATCH /api/v1/users/{id}).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authorize, MANAGEMENT_ROLES, type Actor } from '../auth/actor';
import { hashPassword } from '../auth/password';
import { prisma } from '../db';
import { conflict } from '../errors';
import { LIMITS } from '../limits';
import { toUserView, type UserView } from '../queries/users';

export const SIGNOFF_ROLE_LENGTH = 200;
export const SIGNOFF_ROLES_PER_USER = 20;
export const PASSWORD_MIN_LENGTH = 12;

export const ZEmail = z
  .string({ error: 'must be an email address (a string)' })
  .trim()
  .toLowerCase()
  .min(1, 'must not be empty')
  .max(320, 'at most 320 characters')
  .pipe(z.email({ error: 'not an email address' }));

export const ZUserName = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`);

export const ZManagementRole = z.enum(MANAGEMENT_ROLES, { error: `must be one of ${MANAGEMENT_ROLES.join(', ')}` });

export const ZSignoffRoles = z
  .array(
    z
      .string({ error: 'a sign-off role is a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(SIGNOFF_ROLE_LENGTH, `at most ${SIGNOFF_ROLE_LENGTH} characters`),
    { error: 'must be a list of sign-off role names' },
  )
  .max(SIGNOFF_ROLES_PER_USER, `at most ${SIGNOFF_ROLES_PER_USER} sign-off roles`)
  .superRefine((roles, ctx) => {
    const seen = new Set<string>();
    roles.forEach((r, i) => {
      if (seen.has(r)) ctx.addIssue({ code: 'custom', path: [i], message: `"${r}" is listed twice` });
      seen.add(r);
    });
  });

export const ZPassword = z
  .string({ error: 'must be a string' })
  .min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(1000, 'at most 1,000 characters');

export const ZCreateUserSchema = z.strictObject({
  email: ZEmail,
  name: ZUserName,
  role: ZManagementRole,
  signoffRoles: ZSignoffRoles.default([]),
  password: ZPassword.optional(),
});
export type TCreateUserSchema = z.infer<typeof ZCreateUserSchema>;

/**
 * A stored hash no password matches: verifyPassword only accepts `scrypt$…`, and sign-in checks
 * the prefix so such an account costs the same as an unknown one.
 */
export function unusablePasswordHash(): string {
  return `none$${randomBytes(16).toString('base64url')}`;
}

export async function createUser(actor: Actor, input: TCreateUserSchema): Promise<UserView> {
  authorize(actor, 'user.manage');
  const data = input;
  // hashed outside the transaction: scrypt takes tens of milliseconds
  const passwordHash = data.password !== undefined ? await hashPassword(data.password) : unusablePasswordHash();
  const taken = () => conflict(`a user with email "${data.email}" already exists`, { errors: [{ path: 'email', message: 'already taken' }] });
  return prisma().$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: data.email }, select: { id: true } })) throw taken();
    const user = await tx.user.create({
      data: { email: data.email, name: data.name, role: data.role, signoffRoles: data.signoffRoles, passwordHash },
    });
    await tx.auditEvent.create({
      data: {
        actorType: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action: 'user.create',
        reason: `user "${user.email}" (${user.role})`,
        details: {
          userId: user.id,
          email: user.email,
          before: null,
          after: { name: user.name, role: user.role, signoffRoles: user.signoffRoles, disabled: false },
          passwordSet: data.password !== undefined,
        },
      },
    });
    return toUserView(user);
  }).catch((e: unknown) => {
    // two creates racing past the check above: the unique index decides
    if ((e as { code?: string })?.code === 'P2002') throw taken();
    throw e;
  });
}
