// "The five seed rollouts can be driven through all their phases in the UI": each one from its
// current state (start or resume as needed) through every phase to completed.
import { expect, test } from '@playwright/test';
import { shot, signInAs, transitionInUi } from './fixtures';

const SEEDS = ['market-scan-v2', 'marketplace-v2', 'matching-engine-v1', 'deal-type-awareness', 'assignment-pipeline-v3'];

for (const key of SEEDS) {
  test(`drive ${key} through every phase to completed`, async ({ page }) => {
    await signInAs(page, 'engineer');
    await page.goto(`/rollouts/${key}`);
    const phases = await page.locator('[data-testid^="phase-"][data-status]').count();
    expect(phases).toBeGreaterThan(1);
    if (await page.getByTestId('action-resume').isVisible()) await transitionInUi(page, 'resume', 'resume for the seed walk-through');
    if (await page.getByTestId('action-start').isVisible()) await transitionInUi(page, 'start', 'seed walk-through: start');
    await expect(page.getByTestId('status-badge').first()).toHaveText('active');
    for (let i = 0; i < phases; i++) {
      const version = Number((await page.getByTestId('rollout-version').textContent())?.slice(1));
      await transitionInUi(page, 'promote', `seed walk-through: promote ${i + 1}`);
      await expect(page.getByTestId('rollout-version')).toHaveText(`v${version + 1}`);
    }
    await expect(page.getByTestId('status-badge').first()).toHaveText('completed');
    await expect(page.locator('[data-testid^="phase-"][data-status="done"]')).toHaveCount(phases);
    await expect(page.getByTestId('action-promote')).toHaveCount(0);
    await shot(page, `seed-${key}-completed`);
  });
}
