// next-auth (v4) configuration: JWT sessions whose token carries the user id and the id of a
// server-side `sessions` row (see session.ts). Passwords are not checked through next-auth's
// credentials callback: sign-in is lib/services/sign-in.ts behind POST /api/session, which
// rate-limits, logs every attempt and issues the same next-auth session cookie (issue-session.ts).
import type { NextAuthOptions } from 'next-auth';

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: '/signin' },
  providers: [],
  callbacks: {
    async jwt({ token }) {
      return token;
    },
    async session({ session, token }) {
      if (session.user) {
        const u = session.user as { id?: string; sid?: string };
        u.id = token.uid as string;
        u.sid = token.sid as string;
      }
      return session;
    },
  },
};
