// Browser-test helpers: sign in without the form (POST /api/session from the app's own origin, so
// the session cookie is real), drive a transition through the dialog, and call the REST API aside.
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { BASE_URL, E2E_ADMIN_TOKEN, FLAGS_URL } from './env';

export const PASSWORD = 'switchyard';
export type DemoRole = 'engineer' | 'viewer' | 'approver' | 'admin';

export async function signInAs(page: Page, role: DemoRole): Promise<void> {
  const req = page.context().request;
  const res = await req.post('/api/session', {
    headers: { origin: BASE_URL },
    data: { email: `${role}@switchyard.local`, password: PASSWORD },
  });
  expect(res.ok(), `sign-in as ${role}: ${res.status()}`).toBeTruthy();
  const cookies = await page.context().cookies();
  expect(cookies.some((c) => c.name.includes('next-auth.session-token')), 'session cookie set').toBeTruthy();
}

/** Opens the action's dialog, types the reason and confirms. */
export async function transitionInUi(page: Page, action: string, reason: string, opts: { to?: string } = {}): Promise<void> {
  await page.getByTestId(`action-${action}`).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  if (opts.to) await dialog.locator(`input[name="to"][value="${opts.to}"]`).check();
  await dialog.getByLabel(/Reason/).fill(reason);
  await dialog.getByTestId('confirm-transition').click();
  await expect(dialog).toBeHidden();
}

export function adminApi(request: APIRequestContext) {
  const headers = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` };
  return {
    get: async (path: string) => (await request.get(`${BASE_URL}${path}`, { headers })).json(),
    post: async (path: string, data: unknown) => request.post(`${BASE_URL}${path}`, { headers, data }),
  };
}

/** OFREP single evaluation on the flag server, as a service would read it. */
export async function evaluateFlag(request: APIRequestContext, token: string, key: string) {
  const res = await request.post(`${FLAGS_URL}/ofrep/v1/evaluate/flags/${key}`, { headers: { authorization: `Bearer ${token}` }, data: { context: {} } });
  return { status: res.status(), body: (await res.json()) as { value?: unknown; reason?: string; metadata?: Record<string, unknown> } };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}
