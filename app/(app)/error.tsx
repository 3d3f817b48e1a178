'use client';
// Unexpected errors only (expected ones are values shown where they happen). Next sends the
// browser a digest, never the message, in production; the server log has the details.
import { Button } from '@/components/ui/button';

export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-sm text-slate-600">
        The page could not be loaded. It has been logged{error.digest ? ` (reference ${error.digest})` : ''}. Try again; if it keeps happening, check that the
        database is reachable (<code className="font-mono text-xs">/api/health</code>).
      </p>
      <Button className="mt-6" variant="primary" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
