// A real OpenID Provider for the browser tests (the `oidc-provider` package, certified by the
// OpenID Foundation): discovery, authorization code with PKCE, signed ID tokens, userinfo, and its
// built-in login and consent pages (devInteractions: any password, the login names the account).
// One confidential client whose redirect URI is Switchyard's next-auth callback.
//
//   node tests/support/oidc-provider.mjs    (settings from tests/support/oidc.ts's defaults or env)
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT ?? 3390);
const issuer = process.env.OIDC_ISSUER ?? `http://127.0.0.1:${port}`;
const app = process.env.OIDC_APP_URL ?? 'http://localhost:3200';
const clientId = process.env.OIDC_CLIENT_ID ?? 'switchyard-e2e';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'switchyard-e2e-client-secret-0123456789';

// the people the provider knows; the login form's "login" field picks one
export const ACCOUNTS = {
  // a first sign-in creates a viewer
  'ada.sso': { email: 'ada.sso@idp.test', email_verified: true, name: 'Ada Single-Sign-On' },
  // the provider does not vouch for this address, which a demo user already has: not linked
  'mallory.sso': { email: 'engineer@switchyard.local', email_verified: false, name: 'Mallory Unverified' },
  // verified address of a demo user: linked to that user
  'vera.sso': { email: 'approver@switchyard.local', email_verified: true, name: 'Vera Verified' },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${app}/api/auth/callback/oidc`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  // Switchyard sends PKCE anyway (next-auth checks: pkce, state); insist on it for everyone
  pkce: { methods: ['S256'], required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['switchyard-e2e-oidc-cookie-key-0123456789'] },
  async findAccount(_ctx, id) {
    const a = ACCOUNTS[id];
    if (!a) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...a }) };
  },
});
const server = provider.listen(port, new URL(issuer).hostname, () => {
  console.log(`[oidc] OpenID provider ${issuer} (client ${clientId} → ${app}/api/auth/callback/oidc)`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
