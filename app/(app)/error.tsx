'use client';
// Unexpected errors only (expected ones are values shown where they happen). Next sends the
// browser a digest, never the message, in production; the server log has the details. So the
// page asks /api/health whether the database is the cause: if it is, it says so and reloads by
// itself once the database answers again (the app's pool reconnects on its own).
import { startTransition, useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';

type Cause = 'checking' | 'database' | 'other';

const RECHECK_MS = 5_000;

async function databaseReachable(): Promise<boolean | null> {
  try {
    const res = await fetch('/api/health', { cache: 'no-store', signal: AbortSignal.timeout(8_000) });
    if (res.ok) return true;
    const body = (await res.json().catch(() => null)) as { database?: string } | null;
    return body?.database === 'unreachable' ? false : null;
  } catch {
    return null; // the app itself did not answer: not something this page can tell
  }
}

export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const [cause, setCause] = useState<Cause>('checking');

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = async () => {
      const ok = await databaseReachable();
      if (stopped) return;
      if (ok === false) {
        setCause('database');
        timer = setTimeout(check, RECHECK_MS);
      } else if (ok === true && cause === 'database') {
        // back: render the page again from the server
        startTransition(() => {
          router.refresh();
          reset();
        });
      } else {
        setCause('other');
      }
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [cause, reset, router]);

  if (cause === 'database') {
    return (
      <div role="alert" className="mx-auto max-w-xl py-16 text-center">
        <h1 className="text-xl font-semibold">Switchyard can&apos;t reach its database right now</h1>
        <p className="mt-2 text-sm text-slate-600">
          It retries on its own: this page checks every few seconds and reloads when the database answers again. Nothing you were doing has been half-saved — a change
          is stored whole or not at all.
        </p>
        <p className="mt-4 text-xs text-slate-500">
          Operators: check that Postgres is running and reachable from the app (<code className="font-mono">/api/health</code> shows its state).
        </p>
      </div>
    );
  }
  return (
    <div role="alert" className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-sm text-slate-600">
        The page could not be loaded. It has been logged{error.digest ? ` (reference ${error.digest})` : ''}. Try again; if it keeps happening, check that the
        database is reachable (<code className="font-mono text-xs">/api/health</code>).
      </p>
      <Button className="mt-6" variant="primary" onClick={reset} disabled={cause === 'checking'}>
        Try again
      </Button>
    </div>
  );
}
