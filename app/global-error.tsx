'use client';
// Errors the (app) boundary cannot catch: those thrown by a layout itself — (app)/layout.tsx
// reads the signed-in user from the database, so a database outage lands here. It replaces the
// root layout, hence its own <html>; the content is the same boundary as app/(app)/error.tsx.
import AppError from './(app)/error';
import './globals.css';

export default function GlobalError(props: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <AppError {...props} />
      </body>
    </html>
  );
}
