// A stand-in for the app process in tests/integration/resilience-kill9.test.ts: a plain Node
// process (run with tsx) that serves the REAL REST route handlers — the same modules `next start`
// mounts for POST /api/v1/rollouts/:key/:action and GET /api/v1/rollouts/:key — behind node:http.
// What is left out is Next's own routing and rendering, which hold no state a kill could
// corrupt; the transition's service, Prisma client, pg pool and transaction are the real ones.
// A `next start` per kill would take seconds; this boots in well under one, so 200 kills fit.
//
// Env: DATABASE_URL, WARMUP_TOKEN (optional). Prints `READY <port> <cpu ms>` once it listens, warm.
import http from 'node:http';
import { prisma } from '../../lib/db';
import * as actionRoute from '../../app/api/v1/rollouts/[key]/[action]/route';
import * as rolloutRoute from '../../app/api/v1/rollouts/[key]/route';

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const ROUTES: { method: string; pattern: RegExp; handler: Handler; names: string[] }[] = [
  { method: 'POST', pattern: /^\/api\/v1\/rollouts\/([^/]+)\/([^/]+)$/, handler: actionRoute.POST as Handler, names: ['key', 'action'] },
  { method: 'GET', pattern: /^\/api\/v1\/rollouts\/([^/]+)$/, handler: rolloutRoute.GET as Handler, names: ['key'] },
];

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const m = route.pattern.exec(url.pathname)!;
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const request = new Request(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const response = await route.handler(request, { params: Promise.resolve(params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (e) {
    console.error('[transition-server]', e);
    res.writeHead(500).end();
  }
});

// Warm up before saying READY (a standby does this while the previous process still works):
// the first call through Prisma compiles its query plans, which is most of a cold request.
async function warmUp(): Promise<void> {
  await prisma().$queryRaw`SELECT 1`;
  const token = process.env.WARMUP_TOKEN;
  if (!token) return;
  const req = new Request('http://127.0.0.1/api/v1/rollouts/__warm-up__/pause', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'warm-up', expectedVersion: 1 }),
  });
  const res = await (actionRoute.POST as Handler)(req, { params: Promise.resolve({ key: '__warm-up__', action: 'pause' }) });
  if (res.status !== 404) throw new Error(`warm-up: expected 404 for an unknown rollout, got ${res.status}`);
}

void warmUp()
  .then(() =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      const cpu = process.cpuUsage();
      process.stdout.write(`READY ${port} ${Math.round((cpu.user + cpu.system) / 1000)}\n`);
    }),
  );
