import type { Metadata } from 'next';
import { env } from '@/lib/env';
import { signInErrorMessage } from './messages';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string; retryAfter?: string }> }) {
  const { callbackUrl, error, retryAfter } = await searchParams;
  // only same-site paths: never bounce a signed-in user to another origin
  const next = callbackUrl && callbackUrl.startsWith('/') && !callbackUrl.startsWith('//') ? callbackUrl : '/rollouts';
  const demo = env().SWITCHYARD_SEED_DEMO === '1';
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
        <SignInForm callbackUrl={next} initialError={signInErrorMessage(error, Number(retryAfter) || null)} />
        {demo && (
          <div className="mt-6 rounded-lg bg-white p-4 text-sm text-slate-600 ring-1 ring-slate-200">
            <p className="font-medium text-slate-800">Demo accounts (password <code className="font-mono">switchyard</code>)</p>
            <ul className="mt-2 space-y-1 font-mono text-xs">
              <li>engineer@switchyard.local — starts, promotes, rolls back</li>
              <li>viewer@switchyard.local — read only</li>
              <li>approver@switchyard.local — approver</li>
              <li>admin@switchyard.local — everything + API tokens</li>
            </ul>
          </div>
        )}
      </div>
    </main>
  );
}
