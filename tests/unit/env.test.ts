import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../lib/env';

const base = { DATABASE_URL: 'postgresql://u:p@localhost:5432/db' };

describe('parseEnv', () => {
  it('accepts a minimal environment and fills defaults', () => {
    expect(parseEnv(base)).toMatchObject({ DATABASE_URL: base.DATABASE_URL, FLAGS_PORT: 3001, NODE_ENV: 'development' });
  });

  it('treats KEY= (empty) as unset rather than as a too-short value', () => {
    const e = parseEnv({ ...base, SWITCHYARD_ADMIN_TOKEN: '', NEXTAUTH_SECRET: '', FLAGS_PORT: '' });
    expect(e.SWITCHYARD_ADMIN_TOKEN).toBeUndefined();
    expect(e.FLAGS_PORT).toBe(3001);
  });

  it('names every bad variable and says what is wrong', () => {
    expect(() => parseEnv({ DATABASE_URL: 'mysql://x', SWITCHYARD_ADMIN_TOKEN: 'short', FLAGS_PORT: 'abc' })).toThrow(
      /DATABASE_URL: DATABASE_URL must be a postgres:\/\/[\s\S]*SWITCHYARD_ADMIN_TOKEN: SWITCHYARD_ADMIN_TOKEN must be at least 16 characters[\s\S]*FLAGS_PORT/,
    );
    expect(() => parseEnv({})).toThrow(/DATABASE_URL is not set/);
  });

  it('wants the first admin user whole: email and password, or neither', () => {
    expect(() => parseEnv({ ...base, SWITCHYARD_ADMIN_EMAIL: 'ops@example.com' })).toThrow(/set both SWITCHYARD_ADMIN_EMAIL and SWITCHYARD_ADMIN_PASSWORD/);
    expect(() => parseEnv({ ...base, SWITCHYARD_ADMIN_EMAIL: 'ops@example.com', SWITCHYARD_ADMIN_PASSWORD: 'short' })).toThrow(/at least 12 characters/);
    expect(parseEnv({ ...base, SWITCHYARD_ADMIN_EMAIL: 'ops@example.com', SWITCHYARD_ADMIN_PASSWORD: 'long enough secret' })).toMatchObject({ SWITCHYARD_ADMIN_EMAIL: 'ops@example.com' });
  });

  it('reads SWITCHYARD_SEED_DEMO as 0 or 1 (default 1) and refuses anything else', () => {
    expect(parseEnv(base).SWITCHYARD_SEED_DEMO).toBe('1');
    expect(parseEnv({ ...base, SWITCHYARD_SEED_DEMO: '0' }).SWITCHYARD_SEED_DEMO).toBe('0');
    expect(() => parseEnv({ ...base, SWITCHYARD_SEED_DEMO: 'no' })).toThrow(/SWITCHYARD_SEED_DEMO must be 0 or 1/);
  });
});
