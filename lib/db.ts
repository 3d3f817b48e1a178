// One Prisma client per process (kept on globalThis so Next's dev reloads don't leak pools).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { env } from './env';

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const g = globalThis as unknown as { __switchyardPrisma?: PrismaClient };

export function createPrisma(connectionString: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: 10 }) });
}

export function prisma(): PrismaClient {
  g.__switchyardPrisma ??= createPrisma(env().DATABASE_URL);
  return g.__switchyardPrisma;
}

/** For tests: point the shared client at another database. */
export function setPrisma(client: PrismaClient): void {
  g.__switchyardPrisma = client;
}
