'use server';
import { type ActionResult } from '@/lib/errors';
import { parseWith } from '@/lib/http';
import type { UserView } from '@/lib/queries/users';
import { createUser, ZCreateUserSchema } from '@/lib/services/create-user';
import { updateUser, ZUpdateUserSchema, ZUserIdSchema } from '@/lib/services/update-user';
import { runAction } from './context';

export async function createUserAction(input: { email: string; name: string; role: string; signoffRoles?: string[]; password?: string }): Promise<ActionResult<UserView>> {
  return runAction('createUser', async ({ actor }) => createUser(actor, parseWith(ZCreateUserSchema, input)));
}

export async function updateUserAction(
  id: string,
  input: { name?: string; role?: string; signoffRoles?: string[]; disabled?: boolean; password?: string },
): Promise<ActionResult<UserView>> {
  return runAction('updateUser', async ({ actor }) => updateUser(actor, parseWith(ZUserIdSchema, id, { root: 'id' }), parseWith(ZUpdateUserSchema, input)));
}
