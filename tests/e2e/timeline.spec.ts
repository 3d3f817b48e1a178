// Issue 9, "Timeline": the rollout page shows planned vs actual for every phase on one axis with
// today and the forecast end, and the current phase's decision matrix next to Roll back (and in
// the rollback dialog). The seed matching-engine-v1 is read as it is (another spec drives it to
// completed); the matrix is checked on a fresh rollout of the same plan, started here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { adminApi, shot, signInAs } from './fixtures';
import { BASE_URL, E2E_ADMIN_TOKEN } from './env';

/** serious or critical axe violations (WCAG 2.1 A and AA), as tests/e2e/a11y.spec.ts counts them */
async function serious(page: Page) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} — ${v.nodes.map((x) => x.target.join(' ')).slice(0, 5).join(', ')}`);
}

test('matching-engine-v1 shows its timeline: a planned bar per phase and the forecast end', async ({ page }) => {
  await signInAs(page, 'viewer');
  await page.goto('/rollouts/matching-engine-v1');
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toBeVisible();
  for (const phase of ['shadow', 'dual-path', 'cutover', 'decommission']) {
    await expect(timeline.getByTestId(`timeline-row-${phase}`).getByTestId('planned-bar')).toHaveCount(1);
  }
  const status = await page.getByTestId('status-badge').first().textContent();
  if (status !== 'completed' && status !== 'aborted') await expect(timeline.getByTestId('forecast-end')).toContainText(/forecast end \d{4}-\d{2}-\d{2}/);
  // the screen-reader table says the same
  await expect(timeline.locator('table caption')).toContainText('Phases: planned vs actual');
  await expect(timeline.locator('table tbody tr')).toHaveCount(4);
});

test('a started matching-engine plan: decision matrix next to Roll back, actual bar for the current phase', async ({ page, request }) => {
  const n = Date.now().toString(36);
  const key = `matching-engine-tl-${n}`;
  const yaml = readFileSync(path.resolve(__dirname, '../../prisma/plans/matching-engine-v1.yaml'), 'utf8')
    .replace(/^key: matching-engine-v1$/m, `key: ${key}`)
    .replaceAll('MATCH_ENGINE_V1', `MATCH_ENGINE_V1_TL_${n.toUpperCase()}`);
  const created = await request.post(`${BASE_URL}/api/v1/rollouts`, { headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/yaml' }, data: yaml });
  expect(created.status(), await created.text()).toBe(201);
  // entering shadow is gated (checklist, sign-offs): the admin overrides, on the record
  const started = await adminApi(request).post(`/api/v1/rollouts/${key}/start`, { expectedVersion: 1, reason: 'timeline e2e: start', override: true });
  expect(started.status(), await started.text()).toBe(200);

  await signInAs(page, 'admin');
  await page.goto(`/rollouts/${key}`);
  const actions = page.getByRole('group', { name: 'Rollout actions' });
  await expect(actions.getByTestId('action-rollback')).toBeVisible();
  const matrix = actions.getByTestId('decision-matrix');
  await expect(matrix).toHaveAttribute('data-phase', 'shadow');
  await expect(matrix.locator('caption')).toHaveText('Decision matrix: if this happens in Shadow mode');
  await expect(matrix.getByTestId('decision-row')).toHaveCount(4);
  await expect(matrix.getByRole('row', { name: /High error rate/ })).toContainText('Fix offline');
  await expect(matrix.getByRole('row', { name: /Data corruption/ })).toContainText('Stop rollout');

  const timeline = page.getByTestId('timeline');
  await expect(timeline).toHaveAttribute('data-planned-from', 'start');
  await expect(timeline.getByTestId('planned-bar')).toHaveCount(4);
  await expect(timeline.getByTestId('timeline-row-shadow').getByTestId('actual-bar')).toHaveCount(1);
  await expect(timeline.getByTestId('timeline-row-dual-path').getByTestId('actual-bar')).toHaveCount(0);
  await expect(timeline.getByTestId('timeline-row-shadow')).toContainText('current');
  await expect(timeline.getByTestId('forecast-end')).toContainText(/forecast end \d{4}-\d{2}-\d{2}/);
  await timeline.scrollIntoViewIfNeeded();
  await shot(page, 'timeline-matching-engine-started');
  expect(await serious(page)).toEqual([]);

  // the rollback dialog shows the same matrix before the reason is typed
  await actions.getByTestId('action-rollback').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('decision-matrix').getByTestId('decision-row')).toHaveCount(4);
  await shot(page, 'timeline-rollback-dialog');
  expect(await serious(page)).toEqual([]);
});
