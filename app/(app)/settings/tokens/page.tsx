import type { Metadata } from 'next';
import { TokenManager } from '@/components/settings/token-manager';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { listTokens } from '@/lib/queries/tokens';
import { listEnvironments } from '@/lib/services/create-environment';

export const metadata: Metadata = { title: 'API tokens' };
export const dynamic = 'force-dynamic';

export default async function TokensPage() {
  const actor = await pageActor('/settings/tokens');
  if (!can(actor, 'token.manage')) {
    return <p className="text-sm text-slate-600">Only admins manage API tokens (you are {actor.role}).</p>;
  }
  const [tokens, envs] = await Promise.all([listTokens(actor), listEnvironments(actor)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">API tokens</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Tokens for scripts and CI (<code className="font-mono text-xs">Authorization: Bearer …</code> on <code className="font-mono text-xs">/api/v1</code>) and
          flag-read tokens for services (role <code className="font-mono text-xs">flags</code>, one environment, OFREP only). A secret is shown once; only its hash
          is stored.
        </p>
      </div>
      <TokenManager tokens={tokens} environments={envs.map((e) => e.key)} />
    </div>
  );
}
