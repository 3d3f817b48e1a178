// Environment, validated once at start-up with a clear message.
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
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});
export type Env = z.infer<typeof ZEnv>;

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // `KEY=` in an .env file means "not set", not "set to nothing"
  const vars = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const r = ZEnv.refine((e) => !e.SWITCHYARD_ADMIN_EMAIL === !e.SWITCHYARD_ADMIN_PASSWORD, {
    message: 'set both SWITCHYARD_ADMIN_EMAIL and SWITCHYARD_ADMIN_PASSWORD (the first admin user), or neither',
    path: ['SWITCHYARD_ADMIN_EMAIL'],
  }).safeParse(vars);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Switchyard: invalid environment\n${lines}`);
  }
  return r.data;
}
