// The table inside a Card (rollout flags, environment flags, users, tokens, webhooks): full card
// width, scrolling sideways on narrow screens, one header row of column headings.
export function CardTable({ columns, children, testId, bodyClassName = '' }: { columns: React.ReactNode[]; children: React.ReactNode; testId?: string; bodyClassName?: string }) {
  return (
    <div className="-mx-5 overflow-x-auto">
      <table className="min-w-full text-sm" data-testid={testId}>
        <thead className="text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr className="border-b border-slate-200">
            {columns.map((c, i) => (
              <th key={i} scope="col" className={i === 0 ? 'px-5 py-2' : 'px-3 py-2'}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className={`divide-y divide-slate-100 ${bodyClassName}`.trim()}>{children}</tbody>
      </table>
    </div>
  );
}

/** The heading of an actions column: read by screen readers, not shown */
export const ACTIONS_COLUMN = <span className="sr-only">Actions</span>;
