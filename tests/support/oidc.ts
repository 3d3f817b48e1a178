// The OpenID provider the browser tests run (tests/support/oidc-provider.mjs) and the settings the
// app under test is started with to use it (playwright.config.ts). Its port follows E2E_PORT, so
// two Playwright runs on different ports do not share a provider.
import { BASE_URL, PORT } from '../e2e/env';

export const OIDC_PORT = Number(process.env.E2E_OIDC_PORT ?? PORT + 2);
// 127.0.0.1, not localhost: the app is opened on localhost, and cookies ignore ports — the
// provider's session cookies stay off Switchyard's and the other way round
export const OIDC_ISSUER = `http://127.0.0.1:${OIDC_PORT}`;
export const OIDC_CLIENT_ID = 'switchyard-e2e';
export const OIDC_CLIENT_SECRET = 'switchyard-e2e-client-secret-0123456789';
export const OIDC_NAME = 'Test IdP';

/** env for the provider script */
export const OIDC_PROVIDER_ENV = {
  OIDC_PORT: String(OIDC_PORT),
  OIDC_ISSUER,
  OIDC_APP_URL: BASE_URL,
  OIDC_CLIENT_ID,
  OIDC_CLIENT_SECRET,
};

/** env for the app */
export const OIDC_APP_ENV = {
  SWITCHYARD_OIDC_ISSUER: OIDC_ISSUER,
  SWITCHYARD_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
  SWITCHYARD_OIDC_CLIENT_SECRET: OIDC_CLIENT_SECRET,
  SWITCHYARD_OIDC_NAME: OIDC_NAME,
};
