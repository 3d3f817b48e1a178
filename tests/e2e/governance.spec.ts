// Issue 9 in the browser: two stakeholders sign off marketplace-v2's week-1 go/no-go gate from their
// inbox (the demo history has week 1 running for 4 of its 3 days), the engineer's promote unblocks
// and goes through, and the report names both approvers with dates. At the next gate the engineer
// sees why it is blocked and cannot override; an admin overrides and the audit says OVERRIDE.
import { expect, test, type Page } from '@playwright/test';
import { BASE_URL } from './env';
import { PASSWORD, shot, signInAs, transitionInUi } from './fixtures';

const KEY = 'marketplace-v2';

async function signInEmail(page: Page, email: string): Promise<void> {
  const res = await page.context().request.post('/api/session', { headers: { origin: BASE_URL }, data: { email, password: PASSWORD } });
  expect(res.ok(), `sign-in as ${email}: ${res.status()}`).toBeTruthy();
}

async function approveFromInbox(page: Page, email: string, comment: string) {
  await page.context().clearCookies();
  await signInEmail(page, email);
  await page.goto('/inbox');
  await expect(page.getByRole('heading', { name: 'Waiting for my sign-off' })).toBeVisible();
  const entry = page.locator(`[data-testid="inbox-entry"][data-key="${KEY}"]`);
  await expect(entry).toBeVisible();
  await expect(entry).toContainText('Opt-in beta');
  // the evidence is on the same page: the step's readiness reasons
  await expect(entry.locator('[data-testid="readiness-reason"][data-kind="signoff"]')).toBeVisible();
  await expect(entry.locator('[data-testid="readiness-reason"][data-kind="duration"]')).toContainText('planned minimum');
  await entry.getByRole('textbox').first().fill(comment);
  await shot(page, `governance-inbox-${email.split('@')[0]}`);
  await entry.getByTestId('signoff-approve').first().click();
  await expect(page.locator(`[data-testid="inbox-entry"][data-key="${KEY}"]`)).toHaveCount(0);
}

test('two stakeholders approve marketplace-v2 from their inbox, the engineer promotes, the report shows both; the next gate needs an admin override', async ({ page }) => {
  // the engineer starts the rollout (pre-deployment has no entry gate)
  await signInAs(page, 'engineer');
  await page.goto(`/rollouts/${KEY}`);
  if (await page.getByTestId('action-start').isVisible()) await transitionInUi(page, 'start', 'week 1: pre-deployment');
  await expect(page.getByTestId('phase-pre-deployment')).toHaveAttribute('data-status', 'current');
  // the gate ahead: five roles, nobody has decided
  const sheet = page.getByTestId('signoff-sheet');
  await expect(sheet).toHaveAttribute('data-phase', 'opt-in-beta');
  await expect(sheet.locator('[data-testid="signoff-row"][data-decision="none"]')).toHaveCount(5);
  await expect(page.getByTestId('why-blocked')).toBeVisible();

  await approveFromInbox(page, 'tina.tech@switchyard.local', 'security audit clean, monitoring tested');
  await approveFromInbox(page, 'pat.product@switchyard.local', 'migration guide complete');

  // someone holding two roles approves on the rollout page, then withdraws: counted once, then not at all
  await page.context().clearCookies();
  await signInAs(page, 'approver');
  await page.goto(`/rollouts/${KEY}`);
  const form = sheet.locator('[data-testid="signoff-form"][data-role="Technical Lead"]');
  await form.getByRole('textbox').fill('fine by me');
  await form.getByTestId('signoff-approve').click();
  await expect(sheet.locator('[data-testid="signoff-row"][data-role="Technical Lead"][data-decision="approve"]')).toHaveCount(2);
  // one person counts once, and the viewer's own approval is never counted for them (four eyes)
  await expect(page.locator('#readiness [data-testid="readiness-reason"][data-kind="signoff"]')).toContainText('your own approval does not count (four eyes)');
  await form.getByTestId('signoff-withdraw').click();
  await expect(sheet.locator('[data-testid="signoff-row"][data-role="Technical Lead"][data-decision="approve"]')).toHaveCount(1);
  await expect(sheet.getByText(/History: 1 earlier decision/)).toBeVisible();

  // the engineer: week 1 has run its 3 days (demo history) and the sign-offs pass — the promote is unblocked
  await page.context().clearCookies();
  await signInAs(page, 'engineer');
  await page.goto(`/rollouts/${KEY}`);
  const signoffReason = page.locator('#readiness [data-testid="readiness-reason"][data-kind="signoff"]');
  await expect(signoffReason).toHaveAttribute('data-status', 'pass');
  await expect(signoffReason).toContainText('2 of 2 approvals: Tina Tech (Technical Lead), Pat Product (Product Owner)');
  await expect(page.locator('#readiness [data-testid="readiness-reason"][data-kind="duration"]')).toHaveAttribute('data-status', 'pass');
  await expect(page.locator('#readiness [data-testid="readiness-panel"]')).toHaveAttribute('data-ready', 'true');
  await expect(sheet.locator('[data-testid="signoff-row"][data-decision="approve"]')).toHaveCount(2);
  await expect(sheet).toContainText('security audit clean, monitoring tested');
  await shot(page, 'governance-rollout-panels');
  await transitionInUi(page, 'promote', 'week 1 go/no-go: GO — approved by Tech Lead and Product Owner');
  await expect(page.getByTestId('phase-opt-in-beta')).toHaveAttribute('data-status', 'current');
  const promoted = page.locator('[data-testid="audit-entry"][data-action="promote"]').first();
  await expect(promoted.getByTestId('override-badge')).toHaveCount(0);
  await promoted.getByTestId('frozen-readiness').locator('summary').click();
  await expect(promoted.getByTestId('frozen-reasons')).toContainText('2 of 2 approvals');

  // the report names both approvers with their decisions and dates
  await page.goto(`/rollouts/${KEY}/report`);
  const gate = page.getByTestId('report-gate-opt-in-beta');
  await expect(gate.getByTestId('report-verdict-opt-in-beta')).toContainText('APPROVED — 2 of 2 approvals');
  const rows = gate.getByTestId('report-signoff');
  await expect(rows).toHaveCount(2);
  const today = new Date().toISOString().slice(0, 10);
  await expect(rows.filter({ hasText: 'Tina Tech' })).toContainText(new RegExp(`Technical Lead.*Tina Tech.*Approved.*${today}`));
  await expect(rows.filter({ hasText: 'Pat Product' })).toContainText(new RegExp(`Product Owner.*Pat Product.*Approved.*${today}`));
  await shot(page, 'governance-report');

  // the next gate (week 3) is not ready: the engineer sees why and gets no override; an admin overrides, loudly
  await page.goto(`/rollouts/${KEY}`);
  await page.getByTestId('action-promote').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('transition-blockers')).toContainText('Minimum duration');
  await expect(dialog.getByTestId('override-gate')).toHaveCount(0);
  await dialog.getByLabel(/Reason/).fill('too early');
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog.getByRole('alert')).toContainText('Not ready to promote');
  await expect(dialog.getByTestId('transition-reasons')).toContainText('planned minimum');
  await shot(page, 'governance-engineer-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.context().clearCookies();
  await signInAs(page, 'admin');
  await page.goto(`/rollouts/${KEY}`);
  await page.getByTestId('action-promote').click();
  await expect(dialog.getByTestId('transition-reasons')).toContainText('planned minimum');
  await dialog.getByTestId('override-gate').check();
  await dialog.getByLabel(/Reason/).fill('demo: skipping the two-week beta');
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('phase-ab-test')).toHaveAttribute('data-status', 'current');
  const overridden = page.locator('[data-testid="audit-entry"][data-action="promote"]').first();
  await expect(overridden.getByTestId('override-badge')).toHaveText(/OVERRIDE/);
  await expect(overridden.getByTestId('overridden-reasons')).toContainText('Minimum duration');
  await shot(page, 'governance-override-audit');
  await page.goto(`/rollouts/${KEY}/report`);
  await expect(page.getByTestId('report-overrides')).toContainText('demo: skipping the two-week beta');
});
