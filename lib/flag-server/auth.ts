// Who is calling the flag server: `Authorization: Bearer <token>` or `X-API-Key: <token>`,
// hashed as lib/auth/tokens.ts does, then looked up in the store's in-memory token table.
// SWITCHYARD_ADMIN_TOKEN is an admin token even before the seed has stored its hash.
import type { IncomingHttpHeaders } from 'node:http';
import { hashToken } from '../auth/tokens';
import type { FlagStore, TokenRecord } from './store';

export type Resolved = TokenRecord | null | 'unavailable';

const ADMIN: TokenRecord = Object.freeze({ id: null, role: 'admin', environmentId: null });

export class Authenticator {
  // secret → sha256 hex, so the hot path hashes each distinct token once
  private readonly hashes = new Map<string, string>();
  private readonly adminHash: string | null;

  constructor(
    private readonly store: FlagStore,
    adminToken?: string,
  ) {
    this.adminHash = adminToken ? hashToken(adminToken) : null;
  }

  static presented(headers: IncomingHttpHeaders): string | null {
    const auth = headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      return m ? m[1] : null;
    }
    const key = headers['x-api-key'];
    return typeof key === 'string' && key.trim() ? key.trim() : null;
  }

  /** the sha256 of the presented token, or null when there is none (or it is absurdly long) */
  hashOf(headers: IncomingHttpHeaders): string | null {
    const secret = Authenticator.presented(headers);
    if (secret === null || secret.length > 512) return null;
    let hash = this.hashes.get(secret);
    if (hash === undefined) {
      hash = hashToken(secret);
      if (this.hashes.size >= 10_000) this.hashes.clear();
      this.hashes.set(secret, hash);
    }
    return hash;
  }

  /**
   * What a token hash is right now by the in-memory table, with no lookup: how open SSE streams
   * are re-checked when the table is reloaded. The bootstrap admin token is never stored revoked.
   */
  current(hash: string): TokenRecord | null {
    if (hash === this.adminHash) return ADMIN;
    return this.store.knownToken(hash);
  }

  /** null: no/unknown/revoked token (401); 'unavailable': can't tell right now (503) */
  resolve(headers: IncomingHttpHeaders): Resolved | Promise<Resolved> {
    const hash = this.hashOf(headers);
    if (hash === null) return null;
    if (hash === this.adminHash) return ADMIN;
    try {
      const r = this.store.token(hash);
      if (r === null || !(r instanceof Promise)) return r;
      return r.catch(() => 'unavailable' as const);
    } catch {
      return 'unavailable';
    }
  }
}
