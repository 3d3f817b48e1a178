// The browser journey: an engineer signs in, is told why the start is blocked (dual's
// checklist), ticks the checklist, starts the market-scan rollout (entering `dual`), sees MARKET_SCAN_ENGINE = dual in the UI, in the audit trail and on the flag server,
// and rolls it back to baseline; a viewer sees no buttons and is refused a direct call.
import { expect, test } from '@playwright/test';
import { adminApi, evaluateFlag, shot, signInAs, transitionInUi } from './fixtures';

const KEY = 'market-scan-v2';
const FLAG = 'MARKET_SCAN_ENGINE';

test('engineer: sign in, start market-scan into dual, see the flag and the audit entry, roll back to baseline', async ({ page, request }) => {
  const api = adminApi(request);
  const tokenRes = await api.post('/api/v1/tokens', { name: 'e2e worker', role: 'flags', environment: 'production' });
  expect(tokenRes.status()).toBe(201);
  const flagsToken = ((await tokenRes.json()) as { token: string }).token;

  await page.goto('/rollouts');
  await expect(page).toHaveURL(/\/signin/);
  await page.getByLabel('Email').fill('engineer@switchyard.local');
  await page.getByLabel('Password').fill('switchyard');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Rollouts' })).toBeVisible();
  await expect(page.getByTestId('current-user')).toContainText('engineer');
  for (const name of ['Market scan engine V2', 'Marketplace V2 migration', 'Matching engine V1', 'Deal-type awareness', 'Assignment pipeline V3']) {
    await expect(page.getByRole('link', { name })).toBeVisible();
  }
  await shot(page, '01-rollouts');

  await page.getByRole('link', { name: 'Market scan engine V2' }).click();
  await expect(page.getByRole('heading', { name: 'Market scan engine V2' })).toBeVisible();
  await expect(page.getByTestId('status-badge').first()).toHaveText('draft');
  await expect(page.getByTestId(`flag-current-${FLAG}`)).toHaveText('v1');

  // the dialog is keyboard-usable: opens from the button, Escape closes it, a reason is required
  await page.getByTestId('action-start').focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel(/Reason/)).toBeFocused();
  await expect(dialog.getByTestId('transition-preview')).toContainText(`${FLAG}: v1 → dual`);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.getByTestId('action-start').click();
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog.getByRole('alert')).toContainText('A reason is required');
  await shot(page, '02-start-dialog');
  // entering dual is guarded by its checklist: the dialog says so, and an engineer cannot override
  await expect(dialog.getByTestId('transition-blockers')).toContainText('Checklist');
  await expect(dialog.getByTestId('transition-blockers')).toContainText('0 of 5 required items ticked');
  await expect(dialog.getByTestId('override-gate')).toHaveCount(0);
  await dialog.getByLabel(/Reason/).fill('validation passed on 5/5 sites');
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog.getByRole('alert')).toContainText('Not ready to start');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('why-blocked')).toBeVisible();

  // tick the checklist (evidence on the first item); who and when show at once
  const items = page.getByTestId('checklist-item');
  await expect(items).toHaveCount(5);
  for (let i = 0; i < 5; i++) {
    const item = items.nth(i);
    await item.getByTestId('tick-open').click();
    if (i === 0) await item.getByLabel(/Evidence/).fill('https://ci.example/worker-v2/1234');
    await item.getByTestId('tick-confirm').click();
    await expect(item).toHaveAttribute('data-checked', 'true');
    await expect(item).toContainText('Ticked by Eve Engineer');
  }
  await expect(items.first()).toContainText('https://ci.example/worker-v2/1234');
  await expect(page.locator('#readiness [data-testid="readiness-panel"]')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('why-blocked')).toHaveCount(0);
  await shot(page, '02b-checklist-ticked');
  await page.getByTestId('action-start').click();
  await expect(dialog.getByTestId('transition-blockers')).toHaveCount(0);
  await dialog.getByLabel(/Reason/).fill('validation passed on 5/5 sites');
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog).toBeHidden();

  await expect(page.getByTestId('status-badge').first()).toHaveText('active');
  await expect(page.getByTestId(`flag-current-${FLAG}`)).toHaveText('dual');
  await expect(page.getByTestId(`flag-env-production-${FLAG}`)).toContainText('dual');
  await expect(page.getByTestId('phase-dual')).toHaveAttribute('data-status', 'current');
  const started = page.locator('[data-testid="audit-entry"][data-action="start"]').first();
  await expect(started).toHaveAttribute('data-action', 'start');
  await expect(started).toContainText('Eve Engineer');
  await expect(started).toContainText('validation passed on 5/5 sites');
  await expect(started).toContainText(`${FLAG}: v1 → dual`);
  await shot(page, '03-dual');

  // a service reading the flag over OFREP sees the change
  await expect.poll(async () => (await evaluateFlag(request, flagsToken, FLAG)).body.value, { timeout: 5_000 }).toBe('dual');

  await page.getByTestId('action-rollback').click();
  await expect(dialog.locator('input[name="to"][value="baseline"]')).toBeChecked();
  await expect(dialog.getByTestId('transition-preview')).toContainText(`${FLAG}: dual → v1`);
  await dialog.getByLabel(/Reason/).fill('comparison shows incompatible results');
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('status-badge').first()).toHaveText('rolled back');
  await expect(page.getByTestId(`flag-current-${FLAG}`)).toHaveText('v1');
  await expect(page.getByTestId('audit-entry').first()).toHaveAttribute('data-action', 'rollback');
  await expect(page.getByTestId('audit-entry').first()).toContainText('comparison shows incompatible results');
  await expect.poll(async () => (await evaluateFlag(request, flagsToken, FLAG)).body.value, { timeout: 5_000 }).toBe('v1');
  await shot(page, '04-rolled-back');

  const detail = await api.get(`/api/v1/rollouts/${KEY}`);
  expect(detail).toMatchObject({ status: 'rolled_back', version: 3, currentPhase: null });
});

test('viewer: sees rollouts and history but no action buttons; a direct call is refused', async ({ page }) => {
  await signInAs(page, 'viewer');
  await page.goto(`/rollouts/${KEY}`);
  await expect(page.getByRole('heading', { name: 'Market scan engine V2' })).toBeVisible();
  await expect(page.getByTestId('audit-entry').first()).toBeVisible();
  await expect(page.getByTestId('flag-table')).toBeVisible();
  await expect(page.locator('[data-testid^="action-"]')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'New rollout' })).toHaveCount(0);
  await shot(page, '05-viewer');

  const before = (await (await page.request.get(`/api/v1/rollouts/${KEY}`)).json()) as { version: number; status: string };
  const res = await page.request.post(`/api/v1/rollouts/${KEY}/start`, { data: { reason: 'viewer tries', expectedVersion: before.version } });
  expect(res.status()).toBe(403);
  expect(res.headers()['content-type']).toContain('application/problem+json');
  const after = (await (await page.request.get(`/api/v1/rollouts/${KEY}`)).json()) as { version: number; status: string };
  expect(after).toMatchObject({ version: before.version, status: before.status });

  const missing = await page.goto('/rollouts/no-such-rollout');
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Nothing here' })).toBeVisible();
});

test('a stale page: the change someone else made wins, and the page says so and reloads', async ({ page, request }) => {
  await signInAs(page, 'engineer');
  await page.goto(`/rollouts/${KEY}`);
  await expect(page.getByTestId('action-start')).toBeVisible();
  // hold the page's background refresh so it keeps showing the old version
  await page.route('**/api/v1/rollouts/**', (route) => route.abort());
  const api = adminApi(request);
  const current = (await api.get(`/api/v1/rollouts/${KEY}`)) as { version: number };
  expect((await api.post(`/api/v1/rollouts/${KEY}/start`, { reason: 'someone else', expectedVersion: current.version, override: true })).status()).toBe(200);

  await transitionInUi(page, 'start', 'I thought it was still rolled back');
  await page.unroute('**/api/v1/rollouts/**');
  await expect(page.getByRole('status')).toContainText('Someone else changed this rollout — reloaded');
  await expect(page.getByTestId('status-badge').first()).toHaveText('active');
  await expect(page.getByTestId('audit-entry').first()).toContainText('someone else');
  await shot(page, '06-conflict');
  // exactly one start was recorded for this version
  const events = (await api.get(`/api/v1/rollouts/${KEY}/audit`)) as { events: { action: string; to: { version: number } }[] };
  expect(events.events.filter((e) => e.to.version === current.version + 1)).toHaveLength(1);
});

test('engineer: create a rollout from a plan; a bad plan lists every problem by path and stores nothing', async ({ page, request }) => {
  await signInAs(page, 'engineer');
  await page.goto('/rollouts');
  await page.getByRole('link', { name: 'New rollout' }).click();
  const plan = page.getByLabel('Plan (YAML or JSON)');
  await plan.fill(
    [
      'key: search-v2',
      'name: Search V2',
      'flags:',
      '  - { key: SEARCH_ENGINE, type: string, variants: [v1, v2], baseline: v1 }',
      'phases:',
      '  - { key: beta, name: Beta, minDuration: soon, flags: { SEARCH_ENGINE: v3, ENGINE: v2 } }',
    ].join('\n'),
  );
  await page.getByRole('button', { name: 'Create rollout (draft)' }).click();
  const errors = page.getByTestId('plan-errors');
  await expect(errors).toContainText('phases[0].flags.ENGINE: unknown flag');
  await expect(errors).toContainText('phases[0].flags.SEARCH_ENGINE: "v3" is not one of the variants (v1, v2)');
  await expect(errors).toContainText('phases[0].minDuration');
  await shot(page, '07-plan-errors');
  const api = adminApi(request);
  expect(((await api.get('/api/v1/rollouts')) as { rollouts: { key: string }[] }).rollouts.map((r) => r.key)).not.toContain('search-v2');

  await plan.fill(
    [
      'key: search-v2',
      'name: Search V2',
      'flags:',
      '  - { key: SEARCH_ENGINE, type: string, variants: [v1, v2], baseline: v1 }',
      'phases:',
      '  - key: beta',
      '    name: Internal beta',
      '    flags:',
      '      SEARCH_ENGINE:',
      '        rules: [{ name: staff, when: [{ attribute: email, op: ends_with, values: ["@hotmatch.com"] }], value: v2 }]',
      '        default: v1',
      '  - { key: half, name: Half of users, minDuration: 48h, flags: { SEARCH_ENGINE: { split: [{ value: v1, weight: 50 }, { value: v2, weight: 50 }] } } }',
    ].join('\n'),
  );
  await page.getByRole('button', { name: 'Create rollout (draft)' }).click();
  await expect(page).toHaveURL(/\/rollouts\/search-v2$/);
  await expect(page.getByRole('heading', { name: 'Search V2' })).toBeVisible();
  await expect(page.getByTestId('status-badge').first()).toHaveText('draft');
  await page.getByTestId('phase-half').click();
  await expect(page.getByTestId('phase-details')).toContainText('50% v1 · 50% v2');
  await transitionInUi(page, 'start', 'staff first');
  await expect(page.getByTestId(`flag-current-SEARCH_ENGINE`)).toContainText('if email ends with @hotmatch.com → v2');
  await shot(page, '08-created-targeting');
});
