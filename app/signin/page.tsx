import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { env, oidcConfig, publicOrigin } from '@/lib/env';
import { signInErrorMessage } from './messages';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };

// what prisma/seed.ts creates when demo data is on: [email, what the account can do]
const DEMO_ACCOUNTS: [string, string][] = [
  ['engineer@switchyard.local', 'starts, promotes, rolls back'],
  ['viewer@switchyard.local', 'read only'],
  ['admin@switchyard.local', 'everything + users and API tokens'],
  ['approver@switchyard.local', 'signs as Technical Lead or Product Owner (counts once)'],
  ['tina.tech@switchyard.local', 'signs as Technical Lead'],
  ['pat.product@switchyard.local', 'signs as Product Owner'],
  ['dev.ops@switchyard.local', 'signs as DevOps Lead'],
  ['sam.security@switchyard.local', 'signs as Security Lead'],
  ['emma.manager@switchyard.local', 'signs as Engineering Manager'],
];
export const dynamic = 'force-dynamic';

/** Only same-origin paths: never bounce a signed-in user to another origin. */
function sameOriginPath(callbackUrl: string | undefined): string {
  if (!callbackUrl) return '/rollouts';
  // a backslash ("/\evil.example") counts as "//evil.example" to a browser
  if (callbackUrl.startsWith('/')) return callbackUrl.startsWith('//') || callbackUrl.includes('\\') ? '/rollouts' : callbackUrl;
  // next-auth sends people back here with an absolute URL of this origin (after a refused post)
  try {
    const u = new URL(callbackUrl);
    if (u.origin === publicOrigin()) return u.pathname + u.search;
  } catch {
    // not a URL
  }
  return '/rollouts';
}

/**
 * next-auth's CSRF token (double-submit: the cookie holds `token|hash`), when the browser already
 * has one, so the SSO button also works as a plain form post before hydration. Without it, that
 * post comes back here with the cookie set and the second click goes through.
 */
async function nextAuthCsrfToken(): Promise<string | null> {
  const jar = await cookies();
  const raw = jar.get('__Host-next-auth.csrf-token')?.value ?? jar.get('next-auth.csrf-token')?.value;
  const token = raw ? decodeURIComponent(raw).split('|')[0] : '';
  return /^[0-9a-f]{64}$/.test(token) ? token : null;
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string; retryAfter?: string }> }) {
  const { callbackUrl, error, retryAfter } = await searchParams;
  const next = sameOriginPath(callbackUrl);
  const demo = env().SWITCHYARD_SEED_DEMO === '1';
  const oidc = oidcConfig();
  const sso = oidc ? { name: oidc.name, csrfToken: await nextAuthCsrfToken() } : null;
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center gap-2">
          <span aria-hidden className="grid h-9 w-9 place-items-center rounded-lg bg-indigo-600 text-sm font-bold text-white">SY</span>
          <div>
            <h1 className="text-xl font-semibold">Sign in to Switchyard</h1>
            <p className="text-sm text-slate-600">Phased migrations, on the record.</p>
          </div>
        </div>
        <SignInForm callbackUrl={next} initialError={signInErrorMessage(error, Number(retryAfter) || null)} sso={sso} />
        {demo && (
          <div className="mt-6 rounded-lg bg-white p-4 text-sm text-slate-600 ring-1 ring-slate-200">
            <p className="font-medium text-slate-800">Demo accounts (password <code className="font-mono">switchyard</code>)</p>
            <table className="mt-2 w-full text-left text-xs">
              <caption className="sr-only">Demo accounts and what each can do</caption>
              <thead className="sr-only">
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Can</th>
                </tr>
              </thead>
              <tbody className="align-top">
                {DEMO_ACCOUNTS.map(([email, can]) => (
                  <tr key={email}>
                    <td className="py-0.5 pr-3 font-mono text-slate-800">{email}</td>
                    <td className="py-0.5">{can}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="mt-2 text-xs">
              Sign-off roles are seed 001&rsquo;s: two different people approve each marketplace-v2 gate, and whoever promotes does not count.
            </p>
          </div>
        )}
      </div>
    </main>
  );
}
