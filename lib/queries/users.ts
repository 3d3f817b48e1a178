// People who can sign in (admin): their role, the sign-off roles they hold, whether they are
// disabled. Never a password or its hash.
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { notFound } from '../errors';

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: string;
  signoffRoles: string[];
  disabled: boolean;
  disabledAt: string | null;
  /** false: created without a password, cannot sign in until an admin sets one */
  hasPassword: boolean;
  /** linked to an OIDC identity (signed in through the identity provider) */
  oidc: boolean;
  createdAt: string;
  updatedAt: string;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  signoffRoles: string[];
  disabledAt: Date | null;
  passwordHash: string | null;
  oidcSubject?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toUserView(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    signoffRoles: u.signoffRoles,
    disabled: u.disabledAt !== null,
    disabledAt: u.disabledAt?.toISOString() ?? null,
    hasPassword: !!u.passwordHash?.startsWith('scrypt$'),
    oidc: !!u.oidcSubject,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

export async function listUsers(actor: Actor): Promise<UserView[]> {
  authorize(actor, 'user.manage');
  const rows = await prisma().user.findMany({ orderBy: [{ disabledAt: { sort: 'asc', nulls: 'first' } }, { email: 'asc' }] });
  return rows.map(toUserView);
}

export async function getUser(actor: Actor, id: string): Promise<UserView> {
  authorize(actor, 'user.manage');
  const u = await prisma().user.findUnique({ where: { id } });
  if (!u) throw notFound(`no user with id "${id}"`);
  return toUserView(u);
}
