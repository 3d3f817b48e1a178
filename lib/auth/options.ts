// next-auth (v4) configuration: JWT sessions whose token carries the user id and the id of a
// server-side `sessions` row (see session.ts). Passwords are not checked through next-auth's
// credentials callback: sign-in is lib/services/sign-in.ts behind POST /api/session, which
// rate-limits, logs every attempt and issues the same next-auth session cookie (issue-session.ts).
// The one provider next-auth runs is the generic OpenID Connect one, when SWITCHYARD_OIDC_* are
// set: next-auth does the protocol (discovery, PKCE, state, ID token checks) and
// lib/services/sign-in-oidc.ts decides who that is and creates the `sessions` row
// (docs/decisions/0008-oidc.md).
import type { NextAuthOptions } from 'next-auth';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import type { TokenSet } from 'openid-client';
import { oidcConfig, type OidcConfig } from '../env';

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;
export const OIDC_PROVIDER_ID = 'oidc';

/** The claims Switchyard reads from the ID token (filled from the userinfo endpoint if it lacks an email). */
export interface OidcClaims {
  iss: string;
  sub: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
  preferred_username?: string;
  [claim: string]: unknown;
}

/** What the OIDC sign-in leaves on next-auth's `user` for the jwt callback. */
interface SignedInUser {
  id: string;
  uid?: string;
  sid?: string;
  name?: string | null;
  email?: string | null;
}

export function oidcProvider(c: OidcConfig): OAuthConfig<OidcClaims> {
  return {
    id: OIDC_PROVIDER_ID,
    name: c.name,
    type: 'oauth',
    wellKnown: `${c.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    authorization: { params: { scope: 'openid email profile' } },
    // the profile comes from the verified ID token (openid-client checks its signature, issuer,
    // audience and expiry), not from an unsigned userinfo answer alone
    idToken: true,
    checks: ['pkce', 'state'],
    userinfo: {
      // providers that follow the spec strictly (oidc-provider among them) keep email and name
      // out of an ID token issued with an access token: ask userinfo for what is missing;
      // openid-client refuses a userinfo answer for another `sub`
      async request({ tokens, client }) {
        // next-auth types it loosely; at run time it is openid-client's TokenSet
        const set = tokens as unknown as TokenSet;
        const claims = set.claims();
        if (claims.email) return claims;
        return { ...(await client.userinfo(set)), ...claims };
      },
    },
    profile(p) {
      return { id: p.sub, name: p.name ?? p.preferred_username ?? null, email: p.email ?? null };
    },
  };
}

async function requestInfoHere(path: string) {
  const { requestInfo } = await import('../security/request-info');
  try {
    const { headers } = await import('next/headers');
    return requestInfo(await headers(), 'GET', path);
  } catch {
    // outside a request (tests calling the callbacks directly)
    return requestInfo(new Headers(), 'GET', path);
  }
}

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  // next-auth's own errors (?error=OAuthCallback, …) land on our page, which explains them
  pages: { signIn: '/signin', error: '/signin' },
  // read per request (not at import: `next build` loads this without a runtime environment)
  get providers() {
    const c = oidcConfig();
    return c ? [oidcProvider(c)] : [];
  },
  callbacks: {
    async signIn({ user, account, profile }) {
      if (account?.provider !== OIDC_PROVIDER_ID) return false;
      const { signInWithOidc, OidcSignInRefused, ZOidcIdentitySchema } = await import('../services/sign-in-oidc');
      const claims = (profile ?? {}) as OidcClaims;
      const info = await requestInfoHere(`/api/auth/callback/${OIDC_PROVIDER_ID}`);
      try {
        const identity = ZOidcIdentitySchema.parse({
          issuer: claims.iss,
          subject: claims.sub,
          email: claims.email,
          // some providers send the claim as a string
          emailVerified: claims.email_verified === true || claims.email_verified === 'true',
          name: claims.name ?? claims.preferred_username,
        });
        const s = await signInWithOidc(identity, info);
        // next-auth hands this same object to the jwt callback below
        Object.assign(user as SignedInUser, { uid: s.user.id, sid: s.sessionId, name: s.user.name, email: s.user.email });
        return true;
      } catch (e) {
        if (e instanceof OidcSignInRefused) return `/signin?error=${e.reason}`;
        const { recordSecurityEvent } = await import('../security/log');
        await recordSecurityEvent({ type: 'signin.failure', account: claims.email ?? null, info, detail: `oidc: ${e instanceof Error ? e.message.slice(0, 300) : 'the sign-in failed'}` });
        console.error('[switchyard] OIDC sign-in failed:', e);
        return '/signin?error=oidc_failed';
      }
    },
    async jwt({ token, user, account }) {
      if (account?.provider === OIDC_PROVIDER_ID && user) {
        const u = user as SignedInUser;
        // the same claims the password sign-in puts in its cookie (issue-session.ts)
        return { sub: u.uid, uid: u.uid, sid: u.sid, name: u.name, email: u.email };
      }
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
  logger: {
    // the protocol failing (the provider answered error=…, state or PKCE mismatch, a bad ID
    // token) never reaches the signIn callback: it goes to the security log from here
    async error(code, metadata) {
      console.error(`[next-auth][error][${code}]`, metadata);
      // one of these per failed attempt (OAUTH_CALLBACK_HANDLER_ERROR repeats an OAUTH_CALLBACK_ERROR)
      if (code !== 'OAUTH_CALLBACK_ERROR' && code !== 'SIGNIN_OAUTH_ERROR') return;
      const { recordSecurityEvent } = await import('../security/log');
      const err = (metadata as { error?: unknown } | undefined)?.error ?? metadata;
      const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
      await recordSecurityEvent({ type: 'signin.failure', info: await requestInfoHere(`/api/auth/callback/${OIDC_PROVIDER_ID}`), detail: `oidc: ${code}${message ? `: ${message.slice(0, 300)}` : ''}` });
    },
    warn(code) {
      console.warn(`[next-auth][warn][${code}]`);
    },
    debug() {},
  },
};
