'use client';
// Posts to /api/session. Before hydration (or without JavaScript) the browser submits the form
// itself — by POST, so the password never lands in a URL — and the server answers with a 303;
// once hydrated, fetch shows the error (wrong password, or rate-limited with its wait) in place.
// With single sign-on configured, a second form starts next-auth's OIDC flow: once hydrated
// through next-auth/react's signIn (fetch, then a plain navigation to the provider); before, as a
// native post to /api/auth/signin/oidc (proxy.ts lets that redirect leave for the provider).
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { signInErrorMessage } from './messages';

export interface SsoOption {
  /** the button reads "Sign in with <name>" */
  name: string;
  /** next-auth's CSRF token when the browser already has its cookie (for the native post) */
  csrfToken: string | null;
}

export function SignInForm({ callbackUrl, initialError, sso }: { callbackUrl: string; initialError: string | null; sso?: SsoOption | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);
  const [ssoPending, setSsoPending] = useState(false);

  async function onSso(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setSsoPending(true);
    setError(null);
    try {
      // navigates away to the provider; it only returns if next-auth could not start the flow
      await signIn('oidc', { callbackUrl });
    } catch {
      setError('Switchyard could not be reached. Try again.');
      setSsoPending(false);
    }
  }

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    try {
      const res = await fetch('/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: String(form.get('email') ?? ''), password: String(form.get('password') ?? ''), callbackUrl }),
      });
      if (res.ok) {
        router.replace(callbackUrl);
        router.refresh();
        return;
      }
      const code = res.status === 429 ? 'rate_limited' : res.status === 403 ? 'refused' : 'invalid';
      setError(signInErrorMessage(code, Number(res.headers.get('retry-after')) || null));
    } catch {
      setError('Switchyard could not be reached. Try again.');
    }
    setPending(false);
  }

  const passwordForm = (
    <form method="post" action="/api/session" onSubmit={onSubmit} className="space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      {error && <Alert>{error}</Alert>}
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-slate-700">
          Email
        </label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600" />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-slate-700">
          Password
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className="mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600" />
      </div>
      <Button type="submit" variant="primary" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );

  if (!sso) return passwordForm;
  return (
    <>
      {passwordForm}
      <div className="my-4 flex items-center gap-3 text-xs text-slate-600" aria-hidden>
        <span className="h-px flex-1 bg-slate-200" />
        or
        <span className="h-px flex-1 bg-slate-200" />
      </div>
      <form method="post" action="/api/auth/signin/oidc" onSubmit={onSso} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        {sso.csrfToken && <input type="hidden" name="csrfToken" value={sso.csrfToken} />}
        <Button type="submit" variant="secondary" className="w-full" disabled={ssoPending} data-testid="sso-signin">
          {ssoPending ? `Opening ${sso.name}…` : `Sign in with ${sso.name}`}
        </Button>
      </form>
    </>
  );
}
