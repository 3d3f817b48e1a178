// Issue 9 in the browser: stakeholders sign off marketplace-v2's go/no-go gate from their inbox,
// the rollout page shows the gate unblocking (sign-offs pass; the planned minimum duration still
// holds it), an engineer sees why it is blocked and cannot override, an admin overrides and the
// audit trail says OVERRIDE with the reasons overridden; the report names both approvers.
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

test('stakeholders approve marketplace-v2 from their inbox; the engineer sees why it is still blocked; an admin overrides, loudly', async ({ page }) => {
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

  // the engineer: sign-offs pass, the planned minimum still holds the gate; no override for engineers
  await page.context().clearCookies();
  await signInAs(page, 'engineer');
  await page.goto(`/rollouts/${KEY}`);
  const signoffReason = page.locator('#readiness [data-testid="readiness-reason"][data-kind="signoff"]');
  await expect(signoffReason).toHaveAttribute('data-status', 'pass');
  await expect(signoffReason).toContainText('2 of 2 approvals: Tina Tech (Technical Lead), Pat Product (Product Owner)');
  await expect(page.locator('#readiness [data-testid="readiness-reason"][data-kind="duration"]')).toHaveAttribute('data-status', 'fail');
  await expect(sheet.locator('[data-testid="signoff-row"][data-decision="approve"]')).toHaveCount(2);
  await expect(sheet).toContainText('security audit clean, monitoring tested');
  await shot(page, 'governance-rollout-panels');
  await page.getByTestId('action-promote').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('transition-blockers')).toContainText('Minimum duration');
  await expect(dialog.getByTestId('override-gate')).toHaveCount(0);
  await dialog.getByLabel(/Reason/).fill('the approvals are in');
  await dialog.getByTestId('confirm-transition').click();
  // the server refuses it (409 not_ready) and the dialog shows its reasons
  await expect(dialog.getByRole('alert')).toContainText('Not ready to promote');
  await expect(dialog.getByTestId('transition-reasons')).toContainText('planned minimum');
  await shot(page, 'governance-engineer-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // the admin overrides the duration guard
  await page.context().clearCookies();
  await signInAs(page, 'admin');
  await page.goto(`/rollouts/${KEY}`);
  await page.getByTestId('action-promote').click();
  await expect(dialog.getByTestId('transition-reasons')).toContainText('planned minimum');
  await dialog.getByTestId('override-gate').check();
  await dialog.getByLabel(/Reason/).fill('go/no-go met early: approved by Tech Lead and Product Owner');
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('phase-opt-in-beta')).toHaveAttribute('data-status', 'current');
  const promoted = page.locator('[data-testid="audit-entry"][data-action="promote"]').first();
  await expect(promoted.getByTestId('override-badge')).toHaveText(/OVERRIDE/);
  await expect(promoted.getByTestId('overridden-reasons')).toContainText('Minimum duration');
  await promoted.getByTestId('frozen-readiness').locator('summary').click();
  await expect(promoted.getByTestId('frozen-reasons')).toContainText('2 of 2 approvals');
  await shot(page, 'governance-override-audit');

  // the report names both approvers
  await page.goto(`/rollouts/${KEY}/report`);
  await expect(page.locator('body')).toContainText('Tina Tech');
  await expect(page.locator('body')).toContainText('Pat Product');
});
