// Stand-ins for the two things only a real browser request has: next-auth's cookie reading
// (`getServerSession`) and Next's request headers (`headers()`). Everything behind them is
// real: the `sessions` row, the user and their role come from the database. Use with
//   vi.mock('next-auth', async (orig) => (await import('../helpers/browser-session')).mockNextAuth(await orig()));
//   vi.mock('next/headers', async (orig) => (await import('../helpers/browser-session')).mockNextHeaders(await orig()));
import { prisma } from '../../lib/db';

export const browser = {
  /** the signed-in session's claims (null: no cookie) */
  claims: null as { uid: string; sid: string } | null,
  /** request headers the action or page sees */
  headers: { origin: 'http://localhost:3000', 'user-agent': 'vitest', 'x-forwarded-for': '127.0.0.1' } as Record<string, string>,
};

export function mockNextAuth<T extends object>(orig: T) {
  return { ...orig, getServerSession: async () => (browser.claims ? { user: { id: browser.claims.uid, sid: browser.claims.sid } } : null) };
}

export function mockNextHeaders<T extends object>(orig: T) {
  return {
    ...orig,
    headers: async () => new Headers(browser.headers),
    cookies: async () => ({ set: () => {}, get: () => undefined, delete: () => {} }),
  };
}

/** Signs `userId` in: a real `sessions` row, and the fake cookie pointing at it. */
export async function signInAs(userId: string | null): Promise<void> {
  if (!userId) {
    browser.claims = null;
    return;
  }
  const s = await prisma().session.create({ data: { userId, expiresAt: new Date(Date.now() + 3600_000) } });
  browser.claims = { uid: userId, sid: s.id };
}
