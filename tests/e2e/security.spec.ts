// Issue 7 in a real browser against the production build: the sign-in form posts (never GET)
// even without JavaScript, a deep link survives sign-in, a rate-limited sign-in says so in the
// form, pages carry a nonce CSP and refuse to be framed, a cross-origin cookie write is refused,
// sign-out ends the session on the server, and admins read the security log.
import { expect, test } from '@playwright/test';
import { BASE_URL, FLAGS_URL } from './env';
import { PASSWORD, shot, signInAs } from './fixtures';

test('without JavaScript the sign-in form POSTs: the password is never in a URL, and the deep link is kept', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const urls: string[] = [];
  page.on('request', (r) => urls.push(`${r.method()} ${r.url()}`));
  await page.goto('/rollouts/market-scan-v2');
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Frollouts%2Fmarket-scan-v2/);
  await page.getByLabel('Email').fill('viewer@switchyard.local');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/rollouts/market-scan-v2`);
  await expect(page.getByRole('heading', { name: 'Market scan engine V2' })).toBeVisible();
  expect(urls.some((u) => u.startsWith(`POST ${BASE_URL}/api/session`))).toBe(true);
  expect(urls.filter((u) => /password|switchyard(&|$)/.test(u.split(' ')[1]))).toEqual([]);
  await context.close();
});

test('with JavaScript: a deep link comes back after sign-in; a rate-limited account is told when to try again', async ({ page }) => {
  await page.goto('/environments');
  await expect(page).toHaveURL(/callbackUrl=%2Fenvironments/);
  const email = `nobody-${Date.now()}@switchyard.local`;
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(`wrong-${i}`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.locator('form').getByRole('alert')).toHaveText('Sign-in failed. Check your email and password.');
  }
  await page.getByLabel('Password').fill('wrong-again');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.locator('form').getByRole('alert')).toHaveText(/Too many failed sign-ins\. Try again in \d+ (seconds|minutes)\./);
  await shot(page, 'sec-01-rate-limited');
  await page.getByLabel('Email').fill('engineer@switchyard.local');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/environments`);
  await expect(page.getByRole('heading', { name: 'Environments' })).toBeVisible();
});

test('pages carry a nonce CSP and security headers, still hydrate, and cannot be framed by another origin', async ({ page }) => {
  await signInAs(page, 'engineer');
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto('/rollouts/market-scan-v2');
  const h = res!.headers();
  expect(h['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(h['permissions-policy']).toContain('camera=()');
  expect(h['x-frame-options']).toBe('DENY');
  // hydrated under the CSP: a transition dialog opens (a client-side handler), and nothing was blocked
  await page.locator('[data-testid^="action-"]').first().click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  expect(violations).toEqual([]);

  // another page frames the rollout page: frame-ancestors / X-Frame-Options stop it rendering
  await page.setContent(`<iframe id="f" src="${BASE_URL}/rollouts/market-scan-v2" width="800" height="400"></iframe>`);
  await page.waitForTimeout(1500);
  const frame = page.frames().find((f) => f.url().includes('/rollouts/market-scan-v2'));
  const buttons = frame ? await frame.locator('[data-testid^="action-"]').count().catch(() => 0) : 0;
  expect(buttons).toBe(0);
});

test('a cookie-authenticated REST write from another origin is refused; from the app it works', async ({ page }) => {
  await signInAs(page, 'engineer');
  const req = page.context().request;
  const foreign = await req.post('/api/v1/rollouts/market-scan-v2/pause', { headers: { origin: FLAGS_URL }, data: { expectedVersion: 1, reason: 'csrf' } });
  expect(foreign.status()).toBe(403);
  const plain = await req.post('/api/v1/rollouts/market-scan-v2/pause', { headers: { origin: BASE_URL, 'content-type': 'text/plain' }, data: JSON.stringify({ expectedVersion: 1, reason: 'csrf' }) });
  expect(plain.status()).toBe(415);
  const own = await req.get('/api/v1/rollouts/market-scan-v2');
  expect(own.status()).toBe(200);
});

test('sign-out ends the session on the server: the old cookie is refused afterwards', async ({ page, playwright }) => {
  await signInAs(page, 'engineer');
  const cookie = (await page.context().cookies()).find((c) => c.name.includes('next-auth.session-token'))!;
  await page.goto('/rollouts');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin/);
  const replay = await playwright.request.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { cookie: `${cookie.name}=${cookie.value}` } });
  expect((await replay.get('/api/v1/rollouts')).status()).toBe(401);
  await replay.dispose();
});

test('admins read the security log; others do not see it', async ({ page }) => {
  await signInAs(page, 'admin');
  await page.goto('/settings/security');
  await expect(page.getByRole('heading', { name: 'Security log' })).toBeVisible();
  await expect(page.getByTestId('security-event').first()).toBeVisible();
  await expect(page.getByText('signin.success').first()).toBeVisible();
  await expect(page.getByText('signin.rate_limited').first()).toBeVisible();
  await shot(page, 'sec-02-security-log');
  const api = await page.context().request.get('/api/v1/security-events?type=signin.failure');
  expect(api.status()).toBe(200);
  expect(((await api.json()) as { events: unknown[] }).events.length).toBeGreaterThanOrEqual(5);
});
