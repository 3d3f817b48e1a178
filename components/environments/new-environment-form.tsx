'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createEnvironmentAction } from '@/app/(app)/environments/actions';
import { Button } from '@/components/ui/button';

export function NewEnvironmentForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError(null);
    const res = await createEnvironmentAction({ key: String(data.get('key') ?? '').trim(), name: String(data.get('name') ?? '').trim() || undefined });
    setPending(false);
    if (!res.ok) return setError(res.error.message);
    form.reset();
    router.refresh();
  }
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
      <div>
        <label htmlFor="env-key" className="block text-xs font-medium text-slate-700">
          Key
        </label>
        <input id="env-key" name="key" required placeholder="canary" className="mt-1 w-32 rounded-md border-0 px-2.5 py-1.5 font-mono text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600" />
      </div>
      <div>
        <label htmlFor="env-name" className="block text-xs font-medium text-slate-700">
          Name
        </label>
        <input id="env-name" name="name" placeholder="Canary" className="mt-1 w-40 rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600" />
      </div>
      <Button type="submit" disabled={pending}>
        Add environment
      </Button>
      {error && (
        <p role="alert" className="basis-full text-sm text-red-700">
          {error}
        </p>
      )}
    </form>
  );
}
