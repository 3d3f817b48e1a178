import type { Metadata } from 'next';
import { EnvironmentFlags } from '@/components/environments/environment-flags';
import { NewEnvironmentForm } from '@/components/environments/new-environment-form';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { env } from '@/lib/env';
import { environmentFlags } from '@/lib/queries/environment-flags';
import { listEnvironments } from '@/lib/services/create-environment';

export const metadata: Metadata = { title: 'Environments' };
export const dynamic = 'force-dynamic';

export default async function EnvironmentsPage() {
  const actor = await pageActor('/environments');
  const envs = await listEnvironments(actor);
  const views = await Promise.all(envs.map((e) => environmentFlags(actor, e.key)));
  const { FLAGS_PUBLIC_URL, FLAGS_PORT } = env();
  const flagsUrl = FLAGS_PUBLIC_URL ?? `http://localhost:${FLAGS_PORT}`;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Environments</h1>
          <p className="mt-1 max-w-3xl text-sm text-slate-600">
            What every service reads right now, per environment, and the phase that set it. Services read these over OFREP from the flag server at{' '}
            <code className="font-mono text-xs">{flagsUrl}</code> with a <code className="font-mono text-xs">flags</code> token for their environment, or as{' '}
            <code className="font-mono text-xs">/api/v1/environments/&lt;env&gt;/flags.env</code>.
          </p>
        </div>
        {can(actor, 'environment.manage') && <NewEnvironmentForm />}
      </div>
      {views.map((v) => (
        <EnvironmentFlags key={v.environment.key} initial={v} />
      ))}
    </div>
  );
}
