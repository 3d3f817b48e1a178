import { Nav } from '@/components/nav';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';

export const dynamic = 'force-dynamic';

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const actor = await pageActor();
  const links = [
    { href: '/rollouts', label: 'Rollouts' },
    { href: '/portfolio', label: 'Portfolio' },
    { href: '/inbox', label: 'Inbox' },
    { href: '/environments', label: 'Environments' },
    ...(can(actor, 'token.manage') ? [{ href: '/settings/tokens', label: 'API tokens' }] : []),
    ...(can(actor, 'user.manage') ? [{ href: '/settings/users', label: 'Users' }] : []),
    ...(can(actor, 'webhook.manage') ? [{ href: '/settings/webhooks', label: 'Webhooks' }] : []),
    ...(can(actor, 'security.read') ? [{ href: '/settings/security', label: 'Security log' }] : []),
  ];
  return (
    <>
      <Nav user={{ name: actor.name, role: actor.role }} links={links} />
      <main className="mx-auto max-w-7xl px-4 py-6 sm:px-6">{children}</main>
    </>
  );
}
