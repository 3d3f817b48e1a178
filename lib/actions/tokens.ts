'use server';
import { type ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import { createToken, ZCreateTokenSchema, type CreatedToken } from '@/lib/services/create-token';
import { revokeToken, ZTokenIdSchema } from '@/lib/services/revoke-token';
import { runAction } from './context';

export async function createTokenAction(input: { name: string; role: string; environment?: string }): Promise<ActionResult<CreatedToken>> {
  return runAction('createToken', async ({ actor }) => createToken(actor, parseWith(ZCreateTokenSchema, input)));
}

export async function revokeTokenAction(id: string): Promise<ActionResult<{ id: string }>> {
  return runAction('revokeToken', async ({ actor }) => revokeToken(actor, parseWith(ZTokenIdSchema, id)));
}
