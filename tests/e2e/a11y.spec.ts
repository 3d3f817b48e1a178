// Every page passes axe (WCAG 2.1 A and AA rules) with no serious or critical violation, for the
// roles that see it. New pages get a line in PAGES.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { shot, signInAs, type DemoRole } from './fixtures';

const PAGES: { path: string; as: DemoRole | null; name: string }[] = [
  { path: '/signin', as: null, name: 'sign-in' },
  { path: '/rollouts', as: 'engineer', name: 'rollouts' },
  { path: '/rollouts/market-scan-v2', as: 'engineer', name: 'rollout' },
  { path: '/rollouts/marketplace-v2', as: 'viewer', name: 'rollout-viewer' },
  { path: '/rollouts/new', as: 'engineer', name: 'new-rollout' },
  { path: '/rollouts/deal-type-awareness/edit', as: 'engineer', name: 'edit-plan' },
  { path: '/rollouts/marketplace-v2/report', as: 'viewer', name: 'report' },
  { path: '/environments', as: 'admin', name: 'environments' },
  { path: '/settings/tokens', as: 'admin', name: 'tokens' },
  { path: '/settings/security', as: 'admin', name: 'security-log' },
  { path: '/settings/users', as: 'admin', name: 'users' },
  { path: '/settings/webhooks', as: 'admin', name: 'webhooks' },
  { path: '/rollouts/no-such-rollout', as: 'viewer', name: 'not-found' },
  { path: '/inbox', as: 'approver', name: 'inbox' },
  { path: '/inbox', as: 'viewer', name: 'inbox-empty' },
  { path: '/rollouts/market-scan-v2/evidence', as: 'viewer', name: 'evidence' },
  { path: '/portfolio', as: 'viewer', name: 'portfolio' },
];

async function serious(page: Page) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

for (const p of PAGES) {
  test(`axe: ${p.path}${p.as ? ` as ${p.as}` : ''} has no serious violation`, async ({ page }) => {
    if (p.as) await signInAs(page, p.as);
    await page.goto(p.path);
    await page.waitForLoadState('networkidle');
    await shot(page, `a11y-${p.name}`);
    expect(await serious(page)).toEqual([]);
  });
}
