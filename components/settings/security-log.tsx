import Link from 'next/link';
import type { SecurityEventView } from '@/lib/queries/security-events';

const TONE: Record<string, string> = {
  'signin.success': 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  'signin.failure': 'bg-amber-50 text-amber-900 ring-amber-200',
  'signin.rate_limited': 'bg-red-50 text-red-800 ring-red-200',
  'authz.denied': 'bg-red-50 text-red-800 ring-red-200',
  'authn.failed': 'bg-amber-50 text-amber-900 ring-amber-200',
  'origin.refused': 'bg-red-50 text-red-800 ring-red-200',
  'token.new_ip': 'bg-sky-50 text-sky-900 ring-sky-200',
  signout: 'bg-slate-100 text-slate-800 ring-slate-200',
};

export function SecurityLog({ events, type, types }: { events: SecurityEventView[]; type: string | null; types: string[] }) {
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Security log</h1>
        <p className="text-sm text-slate-700">
          Sign-ins, refused requests, rate-limit trips and API tokens used from new addresses. Append-only; also at{' '}
          <code className="font-mono">GET /api/v1/security-events</code>.
        </p>
      </div>
      <nav aria-label="Filter by type" className="flex flex-wrap gap-2 text-sm">
        <Link href="/settings/security" aria-current={type === null ? 'page' : undefined} className={`rounded-md px-2 py-1 underline-offset-2 ring-1 ring-slate-300 ${type === null ? 'bg-slate-900 text-white' : 'text-slate-800 underline'}`}>
          all
        </Link>
        {types.map((t) => (
          <Link key={t} href={`/settings/security?type=${t}`} aria-current={type === t ? 'page' : undefined} className={`rounded-md px-2 py-1 underline-offset-2 ring-1 ring-slate-300 ${type === t ? 'bg-slate-900 text-white' : 'text-slate-800 underline'}`}>
            {t}
          </Link>
        ))}
      </nav>
      <div className="overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
        <table className="min-w-full text-sm">
          <caption className="sr-only">Security events, newest first</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold text-slate-700 uppercase">
            <tr>
              <th scope="col" className="px-3 py-2">When</th>
              <th scope="col" className="px-3 py-2">Event</th>
              <th scope="col" className="px-3 py-2">Who</th>
              <th scope="col" className="px-3 py-2">IP</th>
              <th scope="col" className="px-3 py-2">Request</th>
              <th scope="col" className="px-3 py-2">Detail</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {events.length === 0 && (
              <tr>
                <td colSpan={6} className="px-3 py-6 text-center text-slate-700">No events.</td>
              </tr>
            )}
            {events.map((e) => (
              <tr key={e.id} data-testid="security-event">
                <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                  <time dateTime={e.at}>{e.at.replace('T', ' ').slice(0, 19)}</time>
                </td>
                <td className="px-3 py-2">
                  <span className={`rounded px-1.5 py-0.5 font-mono text-xs ring-1 ${TONE[e.type] ?? 'bg-slate-100 text-slate-800 ring-slate-200'}`}>{e.type}</span>
                </td>
                <td className="px-3 py-2 text-slate-800">{e.actor?.name ?? e.account ?? '—'}</td>
                <td className="px-3 py-2 font-mono text-xs text-slate-700">{e.ip ?? '—'}</td>
                <td className="px-3 py-2 font-mono text-xs text-slate-700">{[e.method, e.path].filter(Boolean).join(' ') || '—'}</td>
                <td className="px-3 py-2 text-slate-800">{e.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
