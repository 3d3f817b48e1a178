// Environment, validated once at start-up with a clear message.
import { networkInterfaces } from 'node:os';
import { z } from 'zod';

const ZEnv = z.object({
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is not set (scripts/run.mjs sets it to the embedded Postgres when you run `npm run dev`)' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL'),
  NEXTAUTH_SECRET: z.string().min(16, 'NEXTAUTH_SECRET must be at least 16 characters').optional(),
  SWITCHYARD_ADMIN_TOKEN: z.string().min(16, 'SWITCHYARD_ADMIN_TOKEN must be at least 16 characters').optional(),
  SWITCHYARD_ADMIN_EMAIL: z.email('SWITCHYARD_ADMIN_EMAIL must be an email address').optional(),
  SWITCHYARD_ADMIN_PASSWORD: z.string().min(12, 'SWITCHYARD_ADMIN_PASSWORD must be at least 12 characters').optional(),
  // 0: no demo users or rollouts (the seed) and no demo hint on the sign-in page
  SWITCHYARD_SEED_DEMO: z.enum(['0', '1'], 'SWITCHYARD_SEED_DEMO must be 0 or 1').default('1'),
  FLAGS_PORT: z.coerce.number().int().positive().default(3001),
  FLAGS_PUBLIC_URL: z.string().url().optional(),
  // the URL people open Switchyard at; its origin is the only one trusted for cookie-authenticated
  // writes and server actions (defaults to NEXTAUTH_URL, then http://localhost:PORT)
  SWITCHYARD_URL: z.url('SWITCHYARD_URL must be a URL such as https://switchyard.example.com').optional(),
  NEXTAUTH_URL: z.url('NEXTAUTH_URL must be a URL').optional(),
  // more origins to trust, comma-separated (e.g. a second hostname for the same instance)
  SWITCHYARD_TRUSTED_ORIGINS: z.string().optional(),
  PORT: z.coerce.number().int().positive().max(65535).optional(),
  // evidence (metric samples, comparisons) older than this is refused at ingest
  SWITCHYARD_EVIDENCE_RETENTION_DAYS: z.coerce.number('SWITCHYARD_EVIDENCE_RETENTION_DAYS must be a number of days').int('SWITCHYARD_EVIDENCE_RETENTION_DAYS must be a whole number of days').min(1, 'SWITCHYARD_EVIDENCE_RETENTION_DAYS must be at least 1').max(3650, 'SWITCHYARD_EVIDENCE_RETENTION_DAYS must be at most 3650').default(90),
  // Prometheus-sourced metrics (plan `source.prometheus`) are queried here by the evaluator and
  // readiness; unset: their criteria are inconclusive (lib/evidence/prometheus.ts)
  PROMETHEUS_URL: z.url({ protocol: /^https?$/, error: 'PROMETHEUS_URL must be an http(s) URL such as http://prometheus:9090' }).optional(),
  // one generic OpenID Connect provider (docs/self-hosting.md, docs/decisions/0008-oidc.md):
  // the issuer's discovery document is read from <issuer>/.well-known/openid-configuration
  SWITCHYARD_OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'SWITCHYARD_OIDC_ISSUER must be the http(s) URL of the OpenID provider, such as https://id.example.com/realms/main' }).optional(),
  SWITCHYARD_OIDC_CLIENT_ID: z.string().max(500, 'SWITCHYARD_OIDC_CLIENT_ID must be at most 500 characters').optional(),
  SWITCHYARD_OIDC_CLIENT_SECRET: z.string().max(2000, 'SWITCHYARD_OIDC_CLIENT_SECRET must be at most 2000 characters').optional(),
  // the sign-in button reads "Sign in with <name>"
  SWITCHYARD_OIDC_NAME: z.string().trim().min(1).max(60, 'SWITCHYARD_OIDC_NAME must be at most 60 characters').default('Single sign-on'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});
export type Env = z.infer<typeof ZEnv>;

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

const OIDC_VARS = ['SWITCHYARD_OIDC_ISSUER', 'SWITCHYARD_OIDC_CLIENT_ID', 'SWITCHYARD_OIDC_CLIENT_SECRET'] as const;

export function parseEnv(source: Record<string, string | undefined>): Env {
  // `KEY=` in an .env file means "not set", not "set to nothing"
  const vars = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const r = ZEnv.refine((e) => !e.SWITCHYARD_ADMIN_EMAIL === !e.SWITCHYARD_ADMIN_PASSWORD, {
    message: 'set both SWITCHYARD_ADMIN_EMAIL and SWITCHYARD_ADMIN_PASSWORD (the first admin user), or neither',
    path: ['SWITCHYARD_ADMIN_EMAIL'],
  })
    .superRefine((e, ctx) => {
      // OIDC is all or nothing: a half-configured provider would show a button that cannot work
      const missing = OIDC_VARS.filter((k) => !e[k]);
      if (missing.length > 0 && missing.length < OIDC_VARS.length) {
        ctx.addIssue({ code: 'custom', path: [missing[0]], message: `OIDC sign-in needs ${OIDC_VARS.join(', ')} together; missing: ${missing.join(', ')}` });
      }
    })
    .safeParse(vars);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Switchyard: invalid environment\n${lines}`);
  }
  return r.data;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
}

/** The generic OIDC provider, or null when it is not configured (no provider, no button). */
export function oidcConfig(e: Env = env()): OidcConfig | null {
  if (!e.SWITCHYARD_OIDC_ISSUER || !e.SWITCHYARD_OIDC_CLIENT_ID || !e.SWITCHYARD_OIDC_CLIENT_SECRET) return null;
  return { issuer: e.SWITCHYARD_OIDC_ISSUER, clientId: e.SWITCHYARD_OIDC_CLIENT_ID, clientSecret: e.SWITCHYARD_OIDC_CLIENT_SECRET, name: e.SWITCHYARD_OIDC_NAME };
}

/** The configured public origin (scheme://host:port) of the app. */
export function publicOrigin(e: Env = env()): string {
  const url = e.SWITCHYARD_URL ?? e.NEXTAUTH_URL ?? `http://localhost:${e.PORT ?? 3000}`;
  return new URL(url).origin;
}

/**
 * Origins whose requests may use the session cookie to change things: the public origin, any
 * listed in SWITCHYARD_TRUSTED_ORIGINS and, in development only, the addresses `next dev` prints
 * (localhost, 127.0.0.1 and this machine's own IPv4 addresses on the same port). Never derived
 * from the request's own Host or X-Forwarded-Host headers.
 */
export function trustedOrigins(e: Env = env(), localAddresses: () => string[] = machineAddresses): Set<string> {
  const origins = new Set<string>([publicOrigin(e)]);
  for (const o of (e.SWITCHYARD_TRUSTED_ORIGINS ?? '').split(',')) {
    const t = o.trim();
    if (!t) continue;
    try {
      origins.add(new URL(t).origin);
    } catch {
      throw new Error(`Switchyard: invalid environment\n  - SWITCHYARD_TRUSTED_ORIGINS: "${t}" is not a URL`);
    }
  }
  if (e.NODE_ENV === 'development') {
    const pub = new URL(publicOrigin(e));
    const port = pub.port ? `:${pub.port}` : '';
    for (const host of ['localhost', '127.0.0.1', '[::1]', ...localAddresses()]) origins.add(`${pub.protocol}//${host}${port}`);
  }
  return origins;
}

function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => !!a && a.family === 'IPv4')
    .map((a) => a.address);
}
