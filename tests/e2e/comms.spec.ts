// Issue 9, "Communication", in the browser: an admin adds a webhook on Settings → Webhooks (a bad
// URL is refused at its field; a generic webhook's generated secret is shown once); the
// market-scan-v2 rollout page previews its comms with real values (no raw {{…}}); a fresh rollout
// started here sends its messages to a real local receiver that refuses each delivery's first
// attempt, and the page's delivery log shows the retry. Every page is axe-clean.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { adminApi, signInAs } from './fixtures';
import { BASE_URL, E2E_ADMIN_TOKEN } from './env';

test.describe.configure({ mode: 'serial' });

/** serious or critical axe violations (WCAG 2.1 A and AA), as tests/e2e/a11y.spec.ts counts them */
async function serious(page: Page) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} — ${v.nodes.map((x) => x.target.join(' ')).slice(0, 5).join(', ')}`);
}

// the receiver: 500 on each delivery's first attempt, 200 after
let receiver: Server;
let hookUrl = '';
const seen = new Map<string, number>();
const received: { delivery: string; event: string; body: string }[] = [];

const n = Date.now().toString(36);
const HOOK = `E2E receiver ${n}`;

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const id = String(req.headers['x-switchyard-delivery'] ?? '');
      const tries = (seen.get(id) ?? 0) + 1;
      seen.set(id, tries);
      received.push({ delivery: id, event: String(req.headers['x-switchyard-event'] ?? ''), body });
      res.statusCode = tries === 1 ? 500 : 200;
      res.end(tries === 1 ? 'not yet' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

test.afterAll(async ({ request }) => {
  // later specs' transitions must not deliver to a receiver that is gone: disable what we added
  const headers = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` };
  const { webhooks } = (await (await request.get(`${BASE_URL}/api/v1/webhooks`, { headers })).json()) as { webhooks: { id: string; name: string; disabled: boolean }[] };
  for (const w of webhooks.filter((x) => x.name === HOOK && !x.disabled)) {
    await request.patch(`${BASE_URL}/api/v1/webhooks/${w.id}`, { headers, data: { disabled: true } });
  }
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

test('admin adds a webhook on Settings → Webhooks; a bad URL is refused at its field', async ({ page }) => {
  await signInAs(page, 'admin');
  await page.goto('/rollouts');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
  await expect(page).toHaveURL(/\/settings\/webhooks$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();

  const form = page.getByTestId('webhook-form');
  await form.getByLabel('Name').fill(HOOK);
  await form.getByLabel('URL').fill('ftp://files.example.com/hook');
  await form.getByLabel('Format').selectOption('generic');
  await form.getByLabel('Audiences').fill('Engineering Team\nSupport Team');
  await form.getByRole('button', { name: 'Add webhook' }).click();
  // the refusal names the field, next to it, and the field says it is invalid
  const url = form.getByLabel('URL');
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#webhook-url-error')).toContainText('scheme "ftp" is not allowed');
  await expect(page.getByRole('alert').filter({ hasText: 'fix the fields marked below' })).toBeVisible();
  await expect(page.getByTestId(`webhook-${HOOK}`)).toHaveCount(0);

  await url.fill(hookUrl);
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Webhook “${HOOK}” added` })).toBeVisible();
  // a generic webhook without a secret gets one, shown once
  await expect(page.getByTestId('webhook-secret')).toHaveText(/^whsec_\S{20,}$/);
  const row = page.getByTestId(`webhook-${HOOK}`);
  await expect(row).toContainText(hookUrl);
  await expect(row).toContainText('generic');
  await expect(row).toContainText('signed');
  await expect(row.getByRole('list', { name: `Audiences of ${HOOK}` })).toContainText('Engineering Team');
  await expect(row).toContainText('enabled');
  await expect(url).not.toHaveAttribute('aria-invalid', 'true');

  await page.screenshot({ path: '/tmp/comms-webhooks.png', fullPage: true });
  expect(await serious(page)).toEqual([]);
});

test('market-scan-v2 previews its comms with real values, no raw {{…}}', async ({ page, request }) => {
  const rollout = (await adminApi(request).get('/api/v1/rollouts/market-scan-v2')) as { name: string };
  expect(rollout.name).toBeTruthy();
  await signInAs(page, 'engineer');
  await page.goto('/rollouts/market-scan-v2');
  const panel = page.getByTestId('communications');
  await expect(panel.getByRole('heading', { name: 'Communications' })).toBeVisible();
  for (const phase of ['dual', 'v2-only', 'v2-default']) await expect(panel.getByTestId(`comms-phase-${phase}`).getByTestId('comms-template').first()).toBeVisible();

  const dual = panel.getByTestId('comms-phase-dual').getByTestId('comms-template').first();
  await expect(dual).toContainText('Engineering Team');
  await expect(dual).toContainText('at the transition into Dual mode monitoring');
  // {{rollout.name}}, {{phase.name}} and {{eta}} filled in
  await expect(dual.getByTestId('comms-preview')).toContainText(`${rollout.name}, Dual mode monitoring:`);
  await expect(dual.getByTestId('comms-preview')).toContainText(/no earlier than \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  const previews = await panel.getByTestId('comms-preview').allTextContents();
  expect(previews.length).toBeGreaterThanOrEqual(4);
  for (const p of previews) expect(p).not.toContain('{{');
  // the template itself is there, behind its disclosure
  await dual.getByText('Template').click();
  await expect(dual.locator('pre')).toContainText('{{rollout.name}}, {{phase.name}}');

  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: '/tmp/comms-panel.png' });
  expect(await serious(page)).toEqual([]);
});

test('a started rollout sends its messages; the receiver refuses first attempts and the delivery log shows the retry', async ({ page, request }) => {
  test.setTimeout(120_000);
  const key = `comms-e2e-${n}`;
  const flag = `COMMS_E2E_${n.toUpperCase()}`;
  const plan = {
    key,
    name: `Comms e2e ${n}`,
    owner: 'Eve',
    flags: [{ key: flag, type: 'boolean', baseline: false }],
    phases: [
      {
        key: 'pilot',
        name: 'Pilot',
        minDuration: '1h',
        flags: { [flag]: true },
        comms: [
          { audience: 'Engineering Team', when: 'before', template: '{{rollout.name}} enters {{phase.name}} ({{phase.number}} of {{phase.count}}), started by {{actor}}; next step no earlier than {{eta}}.' },
          { audience: 'Support Team', when: 'after', offset: '30d', template: '{{rollout.name}}: 30 days into {{phase.name}}.' },
        ],
      },
      { key: 'ga', name: 'General availability', flags: { [flag]: true }, comms: [{ audience: 'Users', when: 'before', template: '{{phase.name}} of {{rollout.name}} is coming.' }] },
    ],
  };
  const api = adminApi(request);
  const created = await api.post('/api/v1/rollouts', plan);
  expect(created.status(), await created.text()).toBe(201);
  const started = await api.post(`/api/v1/rollouts/${key}/start`, { expectedVersion: 1, reason: 'comms e2e: start' });
  expect(started.status(), await started.text()).toBe(200);

  await signInAs(page, 'engineer');
  await page.goto(`/rollouts/${key}`);
  const panel = page.getByTestId('communications');
  // the transition message and Pilot's "before" message, each to the receiver (audiences: Engineering Team, Support Team)
  const announcement = panel.getByTestId('comms-message').filter({ hasText: `Comms e2e ${n} enters Pilot (1 of 2)` });
  await expect(announcement).toBeVisible();
  await expect(announcement).toContainText('Engineering Team');
  const delivery = announcement.getByTestId('comms-delivery').filter({ hasText: HOOK });
  // the page re-renders while deliveries are under way: first refused, then delivered on the retry
  await expect(delivery.getByTestId('delivery-status')).toHaveAttribute('data-status', 'delivered', { timeout: 90_000 });
  await delivery.getByText('2 attempts').click();
  const log = delivery.getByRole('table', { name: `Attempts delivering to ${HOOK}` });
  await expect(log.locator('tbody tr')).toHaveCount(2);
  await expect(log.locator('tbody tr').first()).toContainText('HTTP 500');
  await expect(log.locator('tbody tr').nth(1)).toContainText('HTTP 200');
  // the 30-day message is scheduled, not sent
  const later = panel.getByTestId('comms-message').filter({ hasText: '30 days into Pilot' });
  await expect(later.getByTestId('delivery-status')).toHaveAttribute('data-status', 'pending');
  // GA's message goes out at its own transition; its preview is rendered already
  await expect(panel.getByTestId('comms-phase-ga').getByTestId('comms-preview')).toHaveText(`General availability of Comms e2e ${n} is coming.`);
  await expect(page.getByTestId('failed-deliveries')).toHaveCount(0);

  // what the receiver got: the rendered text, signed as the generic format says
  const bodies = received.filter((r) => seen.get(r.delivery) === 2).map((r) => r.body);
  expect(bodies.some((b) => b.includes(`Comms e2e ${n} enters Pilot (1 of 2), started by`))).toBe(true);

  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: '/tmp/comms-delivered.png' });
  expect(await serious(page)).toEqual([]);

  // the admin disables the webhook: later specs' transitions send it nothing
  await signInAs(page, 'admin');
  await page.goto('/settings/webhooks');
  await page.getByRole('button', { name: `Disable ${HOOK}` }).click();
  await expect(page.getByTestId(`webhook-${HOOK}`)).toContainText('disabled');
  await expect(page.getByRole('button', { name: `Enable ${HOOK}` })).toBeVisible();
});
