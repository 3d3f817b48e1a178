// "The five seed rollouts can be driven through all their phases in the UI": each one from its
// current state (start or resume as needed) through every phase to completed. The seed phases
// have planned minimum durations (and checklists and sign-offs), so most steps are not ready: an
// admin takes them with "Override the gate" after the dialog has shown why, and the audit trail
// says OVERRIDE.
import { expect, test, type Page } from '@playwright/test';
import { shot, signInAs, transitionInUi } from './fixtures';

const SEEDS = ['market-scan-v2', 'marketplace-v2', 'matching-engine-v1', 'deal-type-awareness', 'assignment-pipeline-v3'];

/** Start or promote through the dialog; where the gate is not ready, assert its reasons are shown, then override. */
async function gatedStep(page: Page, action: 'start' | 'promote', reason: string): Promise<boolean> {
  // the dialog reads the readiness the page polls: wait until it is the current version's
  const version = (await page.getByTestId('rollout-version').textContent())!.slice(1);
  await expect(page.locator('#readiness')).toHaveAttribute('data-version', version);
  const blocked = (await page.locator('#readiness [data-testid="readiness-panel"]').getAttribute('data-ready')) === 'false';
  await page.getByTestId(`action-${action}`).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  if (blocked) {
    await expect(dialog.getByTestId('transition-reasons').getByTestId('readiness-reason').first()).toBeVisible();
    await dialog.getByTestId('override-gate').check();
  }
  await dialog.getByLabel(/Reason/).fill(reason);
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog).toBeHidden();
  return blocked;
}

for (const key of SEEDS) {
  test(`drive ${key} through every phase to completed`, async ({ page }) => {
    await signInAs(page, 'admin');
    await page.goto(`/rollouts/${key}`);
    const phases = await page.locator('[data-testid^="phase-"][data-status]').count();
    expect(phases).toBeGreaterThan(1);
    let overrides = 0;
    if (await page.getByTestId('action-resume').isVisible()) await transitionInUi(page, 'resume', 'resume for the seed walk-through');
    if (await page.getByTestId('action-start').isVisible()) overrides += Number(await gatedStep(page, 'start', 'seed walk-through: start'));
    await expect(page.getByTestId('status-badge').first()).toHaveText('active');
    // from wherever the rollout is (another spec may have moved it on) to completed
    for (let i = 0; i < phases && (await page.getByTestId('action-promote').isVisible()); i++) {
      const version = Number((await page.getByTestId('rollout-version').textContent())?.slice(1));
      overrides += Number(await gatedStep(page, 'promote', `seed walk-through: promote ${i + 1}`));
      await expect(page.getByTestId('rollout-version')).toHaveText(`v${version + 1}`);
    }
    await expect(page.getByTestId('status-badge').first()).toHaveText('completed');
    await expect(page.locator('[data-testid^="phase-"][data-status="done"]')).toHaveCount(phases);
    await expect(page.getByTestId('action-promote')).toHaveCount(0);
    // every seed phase has a planned minimum: at least the steps out of them were overridden, loudly
    expect(overrides).toBeGreaterThan(0);
    // (another spec may have overridden a step of this rollout before)
    // (the audit trail refreshes on its own poll: wait for the last entries to arrive)
    await expect.poll(() => page.getByTestId('override-badge').count()).toBeGreaterThanOrEqual(overrides);
    await expect(page.getByTestId('overridden-reasons').first()).toContainText('Minimum duration');
    await shot(page, `seed-${key}-completed`);
  });
}
