// API token secrets: `sy_` + 32 random bytes (base64url). Only sha256(secret) is stored.
// The flag server (lib/flag-server) hashes presented tokens the same way.
import { createHash, randomBytes } from 'node:crypto';

export function newTokenSecret(): string {
  return `sy_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * What is shown in lists: enough to recognise a token, useless to an attacker — 4 characters of
 * the secret (after the public `sy_` marker of generated tokens).
 */
export function tokenPrefix(secret: string): string {
  return secret.startsWith('sy_') ? secret.slice(0, 7) : secret.slice(0, 4);
}
