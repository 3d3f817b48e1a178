'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createEnvironmentAction } from '@/lib/actions/environments';
import { Button } from '@/components/ui/button';
import { Field, TextInput } from '@/components/ui/field';

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
      <Field id="env-key" label="Key">
        <TextInput id="env-key" name="key" required placeholder="canary" className="w-32 font-mono" />
      </Field>
      <Field id="env-name" label="Name">
        <TextInput id="env-name" name="name" placeholder="Canary" className="w-40" />
      </Field>
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
