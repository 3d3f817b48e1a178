// Sign-in with email and password: rate-limited per account and per client IP in Postgres (so
// the limit holds across replicas), every attempt in the security log, the same work done for
// unknown and known accounts (no timing difference tells who has an account), and a
// server-side session row that sign-out can end.
import { z } from 'zod';
import { prisma } from '../db';
import { tooManyRequests, unauthorized } from '../errors';
import { hashPassword, verifyPassword } from '../auth/password';
import { SESSION_MAX_AGE_SECONDS } from '../auth/options';
import { recordSecurityEvent } from '../security/log';
import { hitLimit, peekLimit, resetLimit, type Limit } from '../security/rate-limit';
import type { RequestInfo } from '../security/request-info';

export const SIGNIN_LIMITS = {
  /** wrong passwords for one account before it is locked for the rest of the window */
  account: { max: 5, windowSeconds: 15 * 60 },
  /** wrong passwords from one IP, whatever the account */
  ip: { max: 30, windowSeconds: 15 * 60 },
} satisfies Record<string, Limit>;

export const ZSignInSchema = z.object({
  email: z.string().trim().toLowerCase().min(1, 'enter your email').max(320, 'at most 320 characters'),
  password: z.string().min(1, 'enter your password').max(1000, 'at most 1,000 characters'),
});
export type TSignInSchema = z.infer<typeof ZSignInSchema>;

// verified against when the account does not exist, so both paths cost one scrypt
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hashPassword(`no account ${Math.random()}`));

export interface SignedIn {
  user: { id: string; email: string; name: string };
  sessionId: string;
  expiresAt: Date;
}

export async function signIn(input: TSignInSchema, info: RequestInfo, requestId?: string): Promise<SignedIn> {
  const email = input.email;
  const accountKey = `signin:account:${email}`;
  const ipKey = info.ip ? `signin:ip:${info.ip}` : null;
  const [acc, ip] = await Promise.all([peekLimit(accountKey, SIGNIN_LIMITS.account), ipKey ? peekLimit(ipKey, SIGNIN_LIMITS.ip) : null]);
  const locked = [acc, ip].filter((s) => s?.limited);
  if (locked.length) {
    const retryAfter = Math.max(...locked.map((s) => s!.retryAfter));
    await recordSecurityEvent({ type: 'signin.rate_limited', account: email, info, requestId, detail: `refused without checking the password; retry in ${retryAfter} s` });
    throw tooManyRequests(`too many failed sign-ins; try again in ${formatWait(retryAfter)}`, retryAfter);
  }

  const user = await prisma().user.findUnique({ where: { email }, select: { id: true, email: true, name: true, passwordHash: true, disabledAt: true } });
  // an account created without a password holds an unusable hash: it costs one scrypt like the rest
  const usable = user?.passwordHash?.startsWith('scrypt$') ? user.passwordHash : null;
  const ok = (await verifyPassword(input.password, usable ?? (await dummy()))) && usable !== null;
  // a disabled account gets the same answer as a wrong password (it tells no one the account
  // exists); the security log says why
  const disabled = !!user?.disabledAt;
  if (!user || !ok || disabled) {
    const [a, i] = await Promise.all([hitLimit(accountKey, SIGNIN_LIMITS.account), ipKey ? hitLimit(ipKey, SIGNIN_LIMITS.ip) : null]);
    const why = disabled ? `the account is disabled${ok ? '' : ' (and the password was wrong)'}` : 'wrong email or password';
    await recordSecurityEvent({ type: 'signin.failure', account: email, info, requestId, detail: `${why} (${a.count} in this window)` });
    if (a.count === SIGNIN_LIMITS.account.max || i?.count === SIGNIN_LIMITS.ip.max) {
      await recordSecurityEvent({ type: 'signin.rate_limited', account: email, info, requestId, detail: a.count === SIGNIN_LIMITS.account.max ? 'account locked' : `IP ${info.ip} locked` });
    }
    throw unauthorized('wrong email or password');
  }

  await resetLimit(accountKey);
  const expiresAt = new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000);
  const session = await prisma().session.create({ data: { userId: user.id, expiresAt, ip: info.ip, userAgent: info.userAgent } });
  await recordSecurityEvent({ type: 'signin.success', actor: { kind: 'user', id: user.id, name: user.name || user.email }, account: email, info, requestId });
  return { user: { id: user.id, email: user.email, name: user.name }, sessionId: session.id, expiresAt };
}

export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} min`;
}
