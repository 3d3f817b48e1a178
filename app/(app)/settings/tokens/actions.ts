'use server';
import { requireSessionActor } from '@/lib/auth/session';
import { asActionResult, type ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import { createToken, ZCreateTokenSchema, type CreatedToken } from '@/lib/services/create-token';
import { revokeToken, ZTokenIdSchema } from '@/lib/services/revoke-token';

export async function createTokenAction(input: { name: string; role: string; environment?: string }): Promise<ActionResult<CreatedToken>> {
  return asActionResult(async () => createToken(await requireSessionActor(), parseWith(ZCreateTokenSchema, input)));
}

export async function revokeTokenAction(id: string): Promise<ActionResult<{ id: string }>> {
  return asActionResult(async () => revokeToken(await requireSessionActor(), parseWith(ZTokenIdSchema, id)));
}
