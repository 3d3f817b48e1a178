// OIDC sign-in (issue 9) in a real browser against a real OpenID provider (oidc-provider,
// tests/support/oidc-provider.mjs, started by playwright.config.ts): the SSO button, the
// provider's own login and consent pages, back to the deep link signed in as a new viewer; the
// second sign-in is the same person; a provider that does not vouch for an address already in use
// is refused; a disabled OIDC user is refused with a readable message; admins see SSO users.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { BASE_URL, E2E_ADMIN_TOKEN } from './env';
import { shot, signInAs } from './fixtures';
import { OIDC_ISSUER, OIDC_NAME } from '../support/oidc';

const admin = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` };

/** From the sign-in page: the SSO button, then the provider's login (and consent the first time). */
async function signInAtProvider(page: Page, login: string, opts: { screenshots?: boolean } = {}): Promise<void> {
  const button = page.getByRole('button', { name: `Sign in with ${OIDC_NAME}` });
  await expect(button).toBeVisible();
  if (opts.screenshots) await shot(page, 'oidc-01-signin-page');
  await button.click();
  await expect(page).toHaveURL(new RegExp(`^${OIDC_ISSUER.replace(/\./g, '\\.')}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password: devInteractions checks none');
  if (opts.screenshots) await shot(page, 'oidc-02-provider-login');
  await page.getByRole('button', { name: /sign-in/i }).click();
  // the provider asks once per client and account
  if (page.url().startsWith(OIDC_ISSUER)) {
    await expect(page.getByRole('button', { name: /continue/i })).toBeVisible();
    if (opts.screenshots) await shot(page, 'oidc-03-provider-consent');
    await page.getByRole('button', { name: /continue/i }).click();
  }
}

async function freshPage(browser: Browser): Promise<Page> {
  // a context of its own: no Switchyard cookie and no session at the provider either
  return (await browser.newContext()).newPage();
}

async function usersNamed(page: Page, email: string) {
  const res = await page.request.get(`${BASE_URL}/api/v1/users`, { headers: admin });
  const { users } = (await res.json()) as { users: { id: string; email: string; role: string; oidc: boolean; hasPassword: boolean }[] };
  return users.filter((u) => u.email === email);
}

test('a first OIDC sign-in creates a viewer and comes back to the deep link; the second is the same user', async ({ browser }) => {
  const page = await freshPage(browser);
  await page.goto('/rollouts/market-scan-v2');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Frollouts%2Fmarket-scan-v2/);
  // the form-action CSP names the provider, so the button's native post may redirect there
  const csp = (await page.request.get('/signin')).headers()['content-security-policy'];
  expect(csp).toContain(`form-action 'self' ${OIDC_ISSUER}`);
  await signInAtProvider(page, 'ada.sso', { screenshots: true });

  await expect(page).toHaveURL(`${BASE_URL}/rollouts/market-scan-v2`);
  await expect(page.getByRole('heading', { name: 'Market scan engine V2' })).toBeVisible();
  await expect(page.getByTestId('current-user')).toHaveText('Ada Single-Sign-On viewer');
  // a viewer's view: no transition buttons, no New rollout, no Users
  await expect(page.locator('[data-testid^="action-"]')).toHaveCount(0);
  await page.goto('/rollouts');
  await expect(page.getByRole('link', { name: 'New rollout' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await shot(page, 'oidc-04-signed-in-viewer');

  const [ada] = await usersNamed(page, 'ada.sso@idp.test');
  expect(ada).toMatchObject({ role: 'viewer', oidc: true, hasPassword: false });
  await page.context().close();

  // again, from scratch: the same user, not a second one
  const again = await freshPage(browser);
  await again.goto('/signin');
  await signInAtProvider(again, 'ada.sso');
  await expect(again).toHaveURL(`${BASE_URL}/rollouts`);
  await expect(again.getByTestId('current-user')).toHaveText('Ada Single-Sign-On viewer');
  const users = await usersNamed(again, 'ada.sso@idp.test');
  expect(users).toHaveLength(1);
  expect(users[0].id).toBe(ada.id);
  await again.context().close();
});

test('admins see the SSO marker on the Users page', async ({ page }) => {
  await signInAs(page, 'admin');
  await page.goto('/settings/users');
  const row = page.getByTestId('user-ada.sso@idp.test');
  await expect(row.getByTestId('sso-marker')).toHaveText('SSO');
  await expect(page.getByTestId('user-viewer@switchyard.local').getByTestId('sso-marker')).toHaveCount(0);
  await shot(page, 'oidc-05-users-sso');
});

test('an address the provider did not verify is not linked to the existing account', async ({ browser }) => {
  const page = await freshPage(browser);
  await page.goto('/signin');
  await signInAtProvider(page, 'mallory.sso');
  await expect(page).toHaveURL(/\/signin\?error=oidc_unverified_email/);
  await expect(page.locator('form').getByRole('alert')).toHaveText(/has not verified your email address, and a Switchyard account already uses it/);
  const [engineer] = await usersNamed(page, 'engineer@switchyard.local');
  expect(engineer).toMatchObject({ oidc: false, role: 'engineer' });
  // not signed in
  await page.goto('/rollouts');
  await expect(page).toHaveURL(/\/signin/);
  await page.context().close();
});

test('a disabled OIDC user is refused, with a message saying so, and their open session ends', async ({ browser }) => {
  const page = await freshPage(browser);
  await page.goto('/signin');
  await signInAtProvider(page, 'ada.sso');
  await expect(page).toHaveURL(`${BASE_URL}/rollouts`);

  const [ada] = await usersNamed(page, 'ada.sso@idp.test');
  const off = await page.request.patch(`${BASE_URL}/api/v1/users/${ada.id}`, { headers: admin, data: { disabled: true } });
  expect(off.status()).toBe(200);
  await page.goto('/rollouts');
  await expect(page).toHaveURL(/\/signin/);
  await page.context().close();

  const refused = await freshPage(browser);
  await refused.goto('/signin');
  await signInAtProvider(refused, 'ada.sso');
  await expect(refused).toHaveURL(/\/signin\?error=oidc_disabled/);
  await expect(refused.locator('form').getByRole('alert')).toHaveText('Your Switchyard account is disabled. Ask an admin to enable it.');
  await shot(refused, 'oidc-06-disabled-refused');
  await refused.goto('/rollouts');
  await expect(refused).toHaveURL(/\/signin/);

  const events = await refused.request.get(`${BASE_URL}/api/v1/security-events?type=signin.failure`, { headers: admin });
  const body = (await events.json()) as { events: { account: string | null; detail: string }[] };
  expect(body.events.some((e) => e.account === 'ada.sso@idp.test' && /^oidc .*is disabled/.test(e.detail))).toBe(true);

  await refused.request.patch(`${BASE_URL}/api/v1/users/${ada.id}`, { headers: admin, data: { disabled: false } });
  await refused.context().close();
});

test('without JavaScript the SSO button still works: a native post that CSP form-action lets go to the provider', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  await page.goto('/rollouts/market-scan-v2');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Frollouts%2Fmarket-scan-v2/);
  // a browser that never talked to next-auth has no CSRF cookie yet: the first post comes back
  // here with one, the deep link kept
  if (!(await page.locator('input[name="csrfToken"]').count())) {
    await page.getByRole('button', { name: `Sign in with ${OIDC_NAME}` }).click();
    await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
    await expect(page.locator('input[name="csrfToken"]')).toHaveCount(1);
    await expect(page.locator('form[action="/api/auth/signin/oidc"] input[name="callbackUrl"]')).toHaveValue('/rollouts/market-scan-v2');
  }
  await signInAtProvider(page, 'ada.sso');
  await expect(page).toHaveURL(`${BASE_URL}/rollouts/market-scan-v2`);
  await expect(page.getByTestId('current-user')).toHaveText('Ada Single-Sign-On viewer');
  expect(blocked).toEqual([]);
  await context.close();
});
