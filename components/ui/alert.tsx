export function Alert({ tone = 'error', children, role = 'alert' }: { tone?: 'error' | 'info' | 'success' | 'warning'; children: React.ReactNode; role?: string }) {
  const cls = {
    error: 'bg-red-50 text-red-800 ring-red-200',
    info: 'bg-blue-50 text-blue-800 ring-blue-200',
    success: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
    warning: 'bg-amber-50 text-amber-900 ring-amber-200',
  }[tone];
  return (
    <div role={role} className={`rounded-md px-3 py-2 text-sm ring-1 ring-inset ${cls}`}>
      {children}
    </div>
  );
}
