import { route } from '@/lib/http';
import { renderReportMarkdown } from '@/lib/domain/report';
import { loadReport } from '@/lib/queries/report';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ params, actor }) => {
  const md = renderReportMarkdown(await loadReport(await actor(), params.key));
  return new Response(md, {
    headers: {
      'content-type': 'text/markdown; charset=utf-8',
      'cache-control': 'no-store',
      'content-disposition': `inline; filename="${params.key}-readiness-report.md"`,
    },
  });
});
