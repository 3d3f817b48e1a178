// The session cookie: the same JWT next-auth issues and reads (next-auth/jwt `encode`, the same
// secret and cookie name), so `getServerSession` keeps working, with the `sessions` row's id in it.
import { encode } from 'next-auth/jwt';
import { env } from '../env';
import { SESSION_MAX_AGE_SECONDS } from './options';

export function secureCookies(): boolean {
  return (env().NEXTAUTH_URL ?? env().SWITCHYARD_URL ?? '').startsWith('https://');
}

/** next-auth's own naming: the __Secure- prefix when served over https */
export function sessionCookieName(): string {
  return `${secureCookies() ? '__Secure-' : ''}next-auth.session-token`;
}

export interface CookieSpec {
  name: string;
  value: string;
  options: { httpOnly: true; sameSite: 'lax'; path: '/'; secure: boolean; maxAge: number };
}

function secret(): string {
  const s = env().NEXTAUTH_SECRET ?? process.env.NEXTAUTH_SECRET;
  if (!s) throw new Error('NEXTAUTH_SECRET is not set (scripts/run.mjs generates one for local runs)');
  return s;
}

export async function sessionCookie(user: { id: string; name: string; email: string }, sessionId: string): Promise<CookieSpec> {
  const value = await encode({
    token: { sub: user.id, uid: user.id, sid: sessionId, name: user.name, email: user.email },
    secret: secret(),
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  return { name: sessionCookieName(), value, options: { httpOnly: true, sameSite: 'lax', path: '/', secure: secureCookies(), maxAge: SESSION_MAX_AGE_SECONDS } };
}

export function clearedSessionCookie(): CookieSpec {
  return { name: sessionCookieName(), value: '', options: { httpOnly: true, sameSite: 'lax', path: '/', secure: secureCookies(), maxAge: 0 } };
}

export function setCookieHeader(c: CookieSpec): string {
  const o = c.options;
  return [`${c.name}=${c.value}`, `Path=${o.path}`, `Max-Age=${o.maxAge}`, 'HttpOnly', 'SameSite=Lax', ...(o.secure ? ['Secure'] : [])].join('; ');
}
