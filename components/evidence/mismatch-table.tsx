'use client';
// Dual-run mismatch categories of the range, each opening down to its individual results (ref,
// verdict or numbers, fields) — raw comparison rows, read a page at a time.
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Button } from '@/components/ui/button';
import { fmt, timeLabel } from '@/components/charts/time';
import { dashboardKeys, fetchComparisonRows, type RowsQuery } from './api';

const NO_CATEGORY = '(none)';

function Rows({ rolloutKey, query }: { rolloutKey: string; query: Omit<RowsQuery, 'cursor'> }) {
  // the cursors of the pages seen so far: back and forward without re-reading from the start
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const q = { ...query, cursor };
  const { data, error, isPending } = useQuery({ queryKey: dashboardKeys.rows(rolloutKey, q), queryFn: () => fetchComparisonRows(rolloutKey, q) });
  if (isPending) return <p className="p-3 text-sm text-slate-600">Loading results…</p>;
  if (error) return <p className="p-3 text-sm text-red-700">Could not load the results: {error.message}</p>;
  if (!data.rows.length) return <p className="p-3 text-sm text-slate-600">No results in this range.</p>;
  return (
    <div className="p-3" data-testid="mismatch-rows">
      <table className="w-full text-left text-xs">
        <caption className="sr-only">Individual comparison results</caption>
        <thead className="text-slate-600">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">When</th>
            <th scope="col" className="py-1 pr-3 font-medium">Ref</th>
            <th scope="col" className="py-1 pr-3 font-medium">Result</th>
            <th scope="col" className="py-1 font-medium">Fields</th>
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r) => (
            <tr key={r.id} className="border-t border-slate-200 align-top">
              <td className="py-1 pr-3 whitespace-nowrap">{timeLabel(new Date(r.at).getTime())}</td>
              <td className="py-1 pr-3 font-mono">{r.ref ?? '—'}</td>
              <td className="py-1 pr-3 whitespace-nowrap">
                {r.compatible === true ? 'compatible' : r.compatible === false ? 'incompatible' : `baseline ${fmt(r.baseline)} · candidate ${fmt(r.candidate)} (${r.diffPercent === null ? 'no ratio' : `${fmt(r.diffPercent)} % apart`})`}
              </td>
              <td className="py-1 font-mono break-all">{r.fields === null ? '—' : JSON.stringify(r.fields)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-2 flex gap-2">
        <Button size="sm" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </Button>
        <Button size="sm" disabled={!data.nextCursor} onClick={() => setCursors((c) => [...c, data.nextCursor ?? undefined])}>
          Older
        </Button>
      </div>
    </div>
  );
}

export function MismatchTable({ rolloutKey, window, tolerance, categories, mismatches }: { rolloutKey: string; window: string; tolerance: number; categories: { category: string; count: number }[]; mismatches: number }) {
  const [open, setOpen] = useState<string | null>(null);
  const entries = [...categories.map((c) => ({ id: c.category, label: c.category, count: c.count, query: { category: c.category, outcome: 'any' as const } })), { id: '__mismatch', label: 'Every mismatch (any category)', count: mismatches, query: { category: undefined, outcome: 'mismatch' as const } }];
  return (
    <table className="w-full text-left text-sm" data-testid="mismatch-categories">
      <caption className="sr-only">Mismatch categories</caption>
      <thead className="text-xs text-slate-600">
        <tr>
          <th scope="col" className="py-1.5 pr-3 font-medium">Category</th>
          <th scope="col" className="py-1.5 pr-3 text-right font-medium">Results</th>
          <th scope="col" className="py-1.5 font-medium">
            <span className="sr-only">Details</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <Fragment key={e.id}>
            <tr className="border-t border-slate-200" data-testid="mismatch-category" data-category={e.id}>
              <td className="py-1.5 pr-3">{e.label === NO_CATEGORY ? 'No category' : e.label}</td>
              <td className="py-1.5 pr-3 text-right tabular-nums">{e.count.toLocaleString('en-US')}</td>
              <td className="py-1.5 text-right">
                <Button size="sm" variant="ghost" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)} disabled={e.count === 0}>
                  {open === e.id ? 'Hide results' : 'Show results'}
                  <span className="sr-only"> of {e.label}</span>
                </Button>
              </td>
            </tr>
            {open === e.id && (
              <tr>
                <td colSpan={3} className="bg-slate-50">
                  <Rows rolloutKey={rolloutKey} query={{ window, tolerance, ...e.query }} />
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}
