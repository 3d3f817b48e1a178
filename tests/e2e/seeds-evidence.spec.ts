// Runs after rollout.spec.ts and security.spec.ts (files run in name order, one worker): it moves the
// market-scan seed into dual, which those specs expect to find as a draft; seeds.spec.ts goes on from there.
// The browser proof for the dashboards: evidence pushed over the REST API with the admin
// token, then the market-scan rollout's Evidence view renders its charts with both series, the
// criterion's threshold, the phase transition, the soak progress bars and the readiness reasons;
// the mismatch categories open down to the individual refs; the portfolio lists it with its
// first failing reason.
import { expect, test, type APIRequestContext } from '@playwright/test';
import { BASE_URL, E2E_ADMIN_TOKEN } from './env';
import { shot, signInAs } from './fixtures';

const KEY = 'market-scan-v2';
const headers = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` };

async function call(request: APIRequestContext, method: 'get' | 'post', path: string, data?: unknown) {
  const res = await request[method](`${BASE_URL}${path}`, { headers, data });
  return { status: res.status(), body: (await res.json()) as Record<string, unknown> };
}

/** market-scan in its `dual` phase: ticks dual's checklist and starts it when it is not running */
async function inDual(request: APIRequestContext) {
  const r = await call(request, 'get', `/api/v1/rollouts/${KEY}`);
  expect(r.status).toBe(200);
  const phase = (r.body.currentPhase as { key: string } | null)?.key;
  if ((r.body.status === 'active' || r.body.status === 'paused') && phase === 'dual') return;
  expect(['draft', 'rolled_back'], `market-scan is ${r.body.status} at ${phase}: the test needs it startable`).toContain(r.body.status);
  for (const item of ['worker-tested-locally', 'validation-passed', 'docs-reviewed', 'team-notified', 'rollback-confirmed']) {
    expect((await call(request, 'post', `/api/v1/rollouts/${KEY}/phases/dual/checklist/${item}`, { checked: true, evidence: 'e2e evidence spec' })).status).toBe(200);
  }
  const started = await call(request, 'post', `/api/v1/rollouts/${KEY}/start`, { expectedVersion: r.body.version, reason: 'e2e: evidence view' });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
}

test('market-scan Evidence view: both series, threshold, transition, soak and readiness reasons; mismatches open down to refs', async ({ page, request }) => {
  await inDual(request);

  // three hours of history every 2 minutes, and the latest minutes again (inside the phase)
  const now = Date.now();
  const samples: { metric: string; arm: string; value: number; at: string; count?: number }[] = [];
  for (let i = 0; i <= 90; i++) {
    const at = new Date(now - (90 - i) * 120_000).toISOString();
    const wave = Math.sin(i / 8);
    samples.push({ metric: 'error_rate', arm: 'baseline', value: 0.8 + 0.2 * wave, at, count: 50 });
    samples.push({ metric: 'error_rate', arm: 'candidate', value: 0.5 + 0.15 * Math.cos(i / 6), at, count: 50 });
    samples.push({ metric: 'scan_time', arm: 'baseline', value: 3 + 0.3 * wave, at });
    samples.push({ metric: 'scan_time', arm: 'baseline', value: 3.1 + 0.3 * wave, at });
    samples.push({ metric: 'scan_time', arm: 'candidate', value: 2.6 + 0.2 * wave, at });
    samples.push({ metric: 'scan_time', arm: 'candidate', value: 2.7 + 0.2 * wave, at });
  }
  const metrics = await call(request, 'post', `/api/v1/rollouts/${KEY}/metrics`, { samples });
  expect(metrics.status, JSON.stringify(metrics.body)).toBe(201);
  const results = Array.from({ length: 60 }, (_, i) => {
    const at = new Date(now - (60 - i) * 150_000).toISOString();
    if (i % 10 === 3) return { at, ref: `scan-${i}`, compatible: false, category: 'missing field', fields: { missing: ['price_per_sqm'] } };
    if (i % 15 === 7) return { at, ref: `scan-${i}`, compatible: false, category: 'type mismatch', fields: { area: ['number', 'string'] } };
    return { at, ref: `scan-${i}`, compatible: true };
  });
  const comparisons = await call(request, 'post', `/api/v1/rollouts/${KEY}/comparisons`, { results });
  expect(comparisons.status, JSON.stringify(comparisons.body)).toBe(201);

  await signInAs(page, 'engineer');
  await page.goto(`/rollouts/${KEY}`);
  await page.getByTestId('evidence-link').click();
  await expect(page).toHaveURL(new RegExp(`/rollouts/${KEY}/evidence$`));
  await expect(page.getByRole('heading', { name: 'Evidence: Market scan engine V2' })).toBeVisible();

  // error rate: baseline and candidate lines, the criterion's threshold and the red flag's, the start mark
  const errorChart = page.getByTestId('chart-error_rate-mean');
  await expect(errorChart.locator('.recharts-line')).toHaveCount(2);
  await expect(errorChart.locator('.recharts-line-curve')).toHaveCount(2);
  await expect(errorChart.getByText('Baseline (v1)')).toBeVisible();
  await expect(errorChart.getByText('Candidate (v2)')).toBeVisible();
  await expect(errorChart.getByText('threshold: candidate < 1 %')).toBeVisible();
  await expect(errorChart.getByText('red flag: candidate > 5 %')).toBeVisible();
  await expect(errorChart.getByText('Start → dual').last()).toBeVisible();
  await expect(errorChart).toHaveAttribute('aria-label', /latest baseline [\d.]+ %, candidate [\d.]+ %/);

  // the relative criterion: the ratio line over its 95 % band, and the bound
  const ratio = page.getByTestId('ratio-scan_time');
  await expect(ratio.locator('.recharts-area-area')).toHaveCount(1);
  await expect(ratio.locator('.recharts-line-curve')).toHaveCount(1);
  await expect(ratio.getByText('bound ≤ 1')).toBeVisible();

  // criteria with soak: a named progress bar with the time left
  const soak = page.getByRole('progressbar', { name: /Soak: compatible ≥ 95 %/ });
  await expect(soak).toBeVisible();
  await expect(soak).toHaveAttribute('aria-valuetext', /held .* of 1d, .* left/);
  await expect(page.getByRole('progressbar', { name: /Soak: error_rate candidate mean < 1/ })).toBeVisible();

  // readiness: not ready, with its reasons and their numbers
  const panel = page.getByTestId('readiness-panel');
  await expect(panel).toHaveAttribute('data-ready', 'false');
  await expect(panel.locator('[data-testid="readiness-reason"][data-kind="duration"]')).toContainText('Minimum duration');
  await expect(panel.locator('[data-testid="readiness-reason"][data-kind="compatibility"]')).toContainText(/comparisons|compatible/);
  await expect(panel.locator('[data-testid="readiness-reason"][data-kind="metric"]').first()).toContainText('Error rate candidate');
  await expect(panel.locator('[data-testid="readiness-reason"][data-kind="relative"]')).toContainText('candidate/baseline');

  // compatibility: the rate over time with its minimum, and the categories down to the refs
  const compat = page.getByTestId('chart-compatibility');
  await expect(compat.locator('.recharts-line-curve')).toHaveCount(1);
  await expect(compat.getByText('minimum 95 %')).toBeVisible();
  const missing = page.locator('[data-testid="mismatch-category"][data-category="missing field"]');
  await expect(missing).toContainText('missing field');
  await missing.getByRole('button', { name: /Show results/ }).click();
  const rows = page.getByTestId('mismatch-rows');
  await expect(rows).toContainText('scan-53');
  await expect(rows).toContainText('price_per_sqm');
  await expect(rows.locator('tbody tr')).toHaveCount(6);

  await page.waitForLoadState('networkidle');
  await shot(page, 'evidence-market-scan');

  // the portfolio lists market-scan as not ready, with its first failing reason
  await page.goto('/portfolio');
  const row = page.locator(`[data-testid="portfolio-row"][data-key="${KEY}"]`);
  await expect(row).toHaveAttribute('data-ready', 'false');
  await expect(row.getByTestId('first-failing')).not.toBeEmpty();
  await expect(row.getByRole('progressbar', { name: /Time in phase/ })).toBeVisible();
  await shot(page, 'portfolio');
});
