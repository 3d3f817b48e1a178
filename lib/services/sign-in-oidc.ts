// Sign-in through the OpenID provider (next-auth's OAuth callback has already checked the code,
// PKCE, state and the ID token's signature, issuer and audience; lib/auth/options.ts). Finds the
// person by their OIDC identity ("<issuer> <sub>"), else links the user whose email the provider
// says it verified, else creates a viewer with no password. A disabled user is refused. The user
// write, the audit row and the `sessions` row are one transaction; every outcome is in the
// security log with "oidc" in its detail (docs/decisions/0008-oidc.md).
import { z } from 'zod';
import { SESSION_MAX_AGE_SECONDS } from '../auth/options';
import { prisma, type Tx } from '../db';
import type { Prisma } from '../generated/prisma/client';
import { AppError } from '../errors';
import { LIMITS } from '../limits';
import { recordSecurityEvent } from '../security/log';
import type { RequestInfo } from '../security/request-info';
import type { SignedIn } from './sign-in';

export const ZOidcIdentitySchema = z.object({
  issuer: z.string().min(1, 'the ID token has no issuer').max(1000),
  subject: z.string().min(1, 'the ID token has no subject').max(255, 'the subject is over 255 characters'),
  // what the provider sent, unchecked beyond its shape: whether it is verified is a separate claim
  email: z.string().trim().toLowerCase().max(320).pipe(z.email()).optional().catch(undefined),
  emailVerified: z.boolean(),
  name: z
    .string()
    .trim()
    .transform((n) => n.slice(0, LIMITS.nameLength))
    .optional()
    .catch(undefined),
});
export type TOidcIdentitySchema = z.infer<typeof ZOidcIdentitySchema>;

/** Why an OIDC sign-in was refused; the sign-in page shows a message for each (app/signin/messages.ts). */
export const OIDC_REFUSALS = ['oidc_disabled', 'oidc_no_email', 'oidc_unverified_email', 'oidc_linked_elsewhere'] as const;
export type OidcRefusal = (typeof OIDC_REFUSALS)[number];

export class OidcSignInRefused extends AppError {
  constructor(
    public readonly reason: OidcRefusal,
    detail: string,
  ) {
    super('forbidden', detail);
  }
}

export const oidcSubjectOf = (i: Pick<TOidcIdentitySchema, 'issuer' | 'subject'>) => `${i.issuer} ${i.subject}`;

const USER = { id: true, email: true, name: true, disabledAt: true, oidcSubject: true } as const;

export async function signInWithOidc(input: TOidcIdentitySchema, info: RequestInfo, requestId?: string): Promise<SignedIn & { created: boolean; linked: boolean }> {
  // emails are stored lower-case everywhere; a caller that skipped the schema must not make a
  // second account out of "Ada@…"
  const identity = { ...input, email: input.email?.trim().toLowerCase() || undefined };
  const oidcSubject = oidcSubjectOf(identity);
  const account = identity.email ?? oidcSubject;
  try {
    const r = await transact(identity, oidcSubject, info).catch((e: unknown) => {
      // two first sign-ins of the same person racing: the unique index decides, the loser
      // finds the winner's row on its second try
      if ((e as { code?: string })?.code === 'P2002') return transact(identity, oidcSubject, info);
      throw e;
    });
    const how = r.created ? 'created a viewer' : r.linked ? `linked to the existing user by verified email` : 'known identity';
    await recordSecurityEvent({ type: 'signin.success', actor: { kind: 'user', id: r.user.id, name: r.user.name || r.user.email }, account: r.user.email, info, requestId, detail: `oidc ${oidcSubject}: ${how}` });
    return r;
  } catch (e) {
    if (e instanceof OidcSignInRefused) await recordSecurityEvent({ type: 'signin.failure', account, info, requestId, detail: `oidc ${oidcSubject}: ${e.message}` });
    throw e;
  }
}

async function transact(identity: TOidcIdentitySchema, oidcSubject: string, info: RequestInfo) {
  return prisma().$transaction(async (tx) => {
    let created = false;
    let linked = false;
    let user = await tx.user.findUnique({ where: { oidcSubject }, select: USER });
    if (!user) {
      if (!identity.email) throw new OidcSignInRefused('oidc_no_email', 'the identity provider sent no email address, and no user is linked to this identity');
      const byEmail = await tx.user.findUnique({ where: { email: identity.email }, select: USER });
      if (byEmail) {
        // linking hands the existing account (its role, its sign-off roles) to whoever the
        // provider says owns the address: only when the provider vouches for it
        if (!identity.emailVerified) throw new OidcSignInRefused('oidc_unverified_email', `the identity provider did not verify ${identity.email}, which belongs to an existing user; not linked`);
        if (byEmail.oidcSubject) throw new OidcSignInRefused('oidc_linked_elsewhere', `${identity.email} is already linked to another identity (${byEmail.oidcSubject})`);
        user = await tx.user.update({ where: { id: byEmail.id }, data: { oidcSubject }, select: USER });
        linked = true;
        await audit(tx, user, 'user.link_oidc', `user "${user.email}" linked to the OIDC identity ${oidcSubject} (email verified by the provider)`, { userId: user.id, email: user.email, oidcSubject });
      } else {
        const name = identity.name || identity.email.split('@')[0];
        const row = await tx.user.create({ data: { email: identity.email, name, role: 'viewer', passwordHash: null, oidcSubject }, select: { ...USER, role: true, signoffRoles: true } });
        user = row;
        created = true;
        await audit(tx, row, 'user.create', `user "${row.email}" (viewer) created by a first OIDC sign-in`, {
          userId: row.id,
          email: row.email,
          before: null,
          after: { name: row.name, role: row.role, signoffRoles: row.signoffRoles, disabled: false },
          passwordSet: false,
          oidcSubject,
          emailVerified: identity.emailVerified,
        });
      }
    }
    if (user.disabledAt) throw new OidcSignInRefused('oidc_disabled', `the account ${user.email} is disabled`);
    const expiresAt = new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000);
    const session = await tx.session.create({ data: { userId: user.id, expiresAt, ip: info.ip, userAgent: info.userAgent } });
    return { user: { id: user.id, email: user.email, name: user.name }, sessionId: session.id, expiresAt, created, linked };
  });
}

// the person signing in is the actor: nobody else decided this
function audit(tx: Tx, who: { id: string; name: string; email: string }, action: string, reason: string, details: Prisma.InputJsonObject) {
  return tx.auditEvent.create({ data: { actorType: 'user', actorId: who.id, actorName: who.name || who.email, action, reason, details } });
}
