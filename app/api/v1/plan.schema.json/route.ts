import { planJsonSchema } from '@/lib/domain/plan-json-schema';

export const dynamic = 'force-static';

export function GET() {
  return new Response(JSON.stringify(planJsonSchema(), null, 2), {
    headers: { 'content-type': 'application/schema+json; charset=utf-8' },
  });
}
