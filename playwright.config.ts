// Browser tests: Chromium from the system (no browser download), against a production build
// started by tests/e2e/serve.mjs on its own database.
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import { E2E_ADMIN_TOKEN, FLAGS_PORT, PORT } from './tests/e2e/env';
import { OIDC_APP_ENV, OIDC_ISSUER, OIDC_PROVIDER_ENV } from './tests/support/oidc';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(`Chromium not found at ${chromium}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH.`);
}

export default defineConfig({
  testDir: 'tests/e2e',
  // the tests drive shared seed rollouts in order; one worker keeps them from racing
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    viewport: { width: 1366, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: [
    {
      // a real OpenID provider for tests/e2e/oidc.spec.ts; started first, the app discovers it
      command: 'node tests/support/oidc-provider.mjs',
      url: `${OIDC_ISSUER}/.well-known/openid-configuration`,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      env: OIDC_PROVIDER_ENV,
    },
    {
      command: 'node tests/e2e/serve.mjs',
      url: `http://localhost:${PORT}/api/health`,
      timeout: 600_000,
      reuseExistingServer: false,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
      stdout: 'pipe',
      env: {
        PORT: String(PORT),
        FLAGS_PORT: String(FLAGS_PORT),
        SWITCHYARD_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
        FLAGS_PUBLIC_URL: `http://localhost:${FLAGS_PORT}`,
        // the sign-in page shows "Sign in with Test IdP"; the other specs sign in with passwords
        ...OIDC_APP_ENV,
      },
    },
  ],
});
