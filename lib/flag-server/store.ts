// The flag server's in-memory state: one snapshot per environment plus the API token table,
// kept current from Postgres by LISTEN switchyard_flags (instant) and a version poll (every
// ~1 s, the fallback that also notices new environments and token changes).
//
// Fail static: once a snapshot is loaded it is only ever replaced by a newer one. If Postgres
// goes away, requests keep being answered from memory; the listener reconnects with backoff
// and the poll catches up on whatever was missed as soon as the database answers again.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { FlagType } from '../domain/evaluate';
import { EnvSnapshot, type EnvRow, type FlagRow } from './snapshot';

export const FLAGS_CHANNEL = 'switchyard_flags';

export interface TokenRecord {
  id: string | null;
  role: 'viewer' | 'engineer' | 'approver' | 'admin' | 'flags' | 'metrics';
  environmentId: string | null;
}

export interface StoreOptions {
  databaseUrl: string;
  pollIntervalMs?: number;
  log?: (line: string) => void;
}

export interface StoreEvents {
  change: [snapshot: EnvSnapshot];
  /** the token table was reloaded (a token was created, revoked, deleted or changed) */
  tokens: [];
}

const NEGATIVE_TTL_MS = 2_000;

export class FlagStore extends EventEmitter<StoreEvents> {
  readonly envsByKey = new Map<string, EnvSnapshot>();
  readonly envsById = new Map<string, EnvSnapshot>();
  /** true once every environment has been loaded at least once */
  ready = false;
  /** the last time a query to Postgres succeeded, and the last failure */
  lastDbOkAt: Date | null = null;
  lastDbError: string | null = null;
  dbReachable = false;
  listening = false;

  private readonly pool: pg.Pool;
  private readonly pollIntervalMs: number;
  private readonly log: (line: string) => void;
  private listener: pg.Client | null = null;
  private listenerBackoffMs = 0;
  private listenerTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;

  private tokens = new Map<string, TokenRecord>();
  private tokensFingerprint: string | null = null;
  private negative = new Map<string, number>();
  private lookups = new Map<string, Promise<TokenRecord | null>>();

  private pendingReload = new Set<string>();
  private reloading: Promise<void> | null = null;

  constructor(private readonly opts: StoreOptions) {
    super();
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.log = opts.log ?? ((l) => console.log(l));
    this.pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 3,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 2_000,
      query_timeout: 10_000,
      statement_timeout: 10_000,
      keepAlive: true,
      application_name: 'switchyard-flags',
    });
    // an idle pooled connection dies with the server: that's an expected event, not a crash
    this.pool.on('error', (e) => this.dbFailed(e));
  }

  start(): void {
    this.connectListener();
    void this.pollNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.listenerTimer) clearTimeout(this.listenerTimer);
    const l = this.listener;
    this.listener = null;
    await Promise.allSettled([this.polling, this.reloading]);
    await Promise.allSettled([l?.end(), this.pool.end()]);
  }

  /** resolves when the first full load has happened (or rejects after `timeoutMs`) */
  waitReady(timeoutMs = 30_000): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`flag store not ready after ${timeoutMs} ms: ${this.lastDbError ?? 'no snapshot yet'}`)), timeoutMs);
      const check = setInterval(() => {
        if (this.ready) {
          clearTimeout(t);
          clearInterval(check);
          resolve();
        }
      }, 20);
      t.unref?.();
    });
  }

  /** the highest revision loaded for an environment, for tests and logs */
  revisionOf(envKey: string): bigint | null {
    return this.envsByKey.get(envKey)?.revision ?? null;
  }

  // ---- tokens -------------------------------------------------------------------------------

  /**
   * A token by hash. The whole table is held in memory (reloaded when its fingerprint changes,
   * checked by every poll), so the hot path never waits for Postgres and a revocation is seen
   * within one poll interval. A hash not in memory (a token created since the last poll) is
   * looked up once; unknown hashes are remembered for 2 s.
   * Returns null for unknown/revoked; throws when it can't tell because Postgres is down.
   */
  token(hash: string): TokenRecord | null | Promise<TokenRecord | null> {
    const t = this.tokens.get(hash);
    if (t) return t;
    const neg = this.negative.get(hash);
    if (neg !== undefined && neg > Date.now()) return null;
    let p = this.lookups.get(hash);
    if (!p) {
      p = this.lookupToken(hash).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, p);
    }
    return p;
  }

  /** a token by hash from the in-memory table only (no lookup): what open streams are checked against */
  knownToken(hash: string): TokenRecord | null {
    return this.tokens.get(hash) ?? null;
  }

  /** reload the token table on the next poll (and emit `tokens`), even if its fingerprint did not change */
  verifyTokens(): void {
    this.tokensFingerprint = null;
    void this.pollNow();
  }

  private async lookupToken(hash: string): Promise<TokenRecord | null> {
    // the table this lookup adds to: if a reload replaces it meanwhile, the answer (possibly of a
    // token revoked since) must not be added to the new table, which is newer than this query
    const table = this.tokens;
    const r = await this.query<{ id: string; role: TokenRecord['role']; environment_id: string | null }>(
      'SELECT id, role::text AS role, environment_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = r.rows[0];
    if (!row) {
      if (this.negative.size > 10_000) this.negative.clear();
      this.negative.set(hash, Date.now() + NEGATIVE_TTL_MS);
      return null;
    }
    const rec: TokenRecord = { id: row.id, role: row.role, environmentId: row.environment_id };
    table.set(hash, rec);
    return rec;
  }

  private async reloadTokens(fingerprint: string): Promise<void> {
    const r = await this.query<{ token_hash: string; id: string; role: TokenRecord['role']; environment_id: string | null }>(
      'SELECT token_hash, id, role::text AS role, environment_id FROM api_tokens WHERE revoked_at IS NULL',
    );
    const next = new Map<string, TokenRecord>();
    for (const row of r.rows) next.set(row.token_hash, { id: row.id, role: row.role, environmentId: row.environment_id });
    this.tokens = next;
    this.negative.clear();
    this.tokensFingerprint = fingerprint;
    this.emit('tokens');
  }

  // ---- Postgres -----------------------------------------------------------------------------

  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      const r = await this.pool.query<R>(text, values);
      this.dbOk();
      return r;
    } catch (e) {
      this.dbFailed(e);
      throw e;
    }
  }

  private dbOk(): void {
    this.lastDbOkAt = new Date();
    if (!this.dbReachable) {
      this.dbReachable = true;
      if (this.lastDbError) this.log('[flags] Postgres is reachable again; catching up');
      this.lastDbError = null;
    }
  }

  private dbFailed(e: unknown): void {
    const msg = (e as Error)?.message ?? String(e);
    if (this.dbReachable || this.lastDbError === null) {
      const serving = [...this.envsByKey.values()].map((s) => `${s.key}@${s.revision}`).join(', ');
      this.log(`[flags] Postgres unavailable (${msg}); ${serving ? `serving last snapshot: ${serving}` : 'no snapshot yet, not ready'}`);
    }
    this.dbReachable = false;
    this.lastDbError = msg;
  }

  private connectListener(): void {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, keepAlive: true, connectionTimeoutMillis: 2_000, application_name: 'switchyard-flags-listen' });
    this.listener = client;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      this.listening = false;
      if (this.listener === client) this.listener = null;
      client.removeAllListeners('notification');
      client.on('error', () => {});
      void client.end().catch(() => {});
      if (this.stopped) return;
      this.dbFailed(e);
      // 250 ms, 500 ms, 1 s, 2 s, 4 s, 5 s… with jitter, so replicas don't reconnect in step
      this.listenerBackoffMs = Math.min(5_000, this.listenerBackoffMs ? this.listenerBackoffMs * 2 : 250);
      const delay = this.listenerBackoffMs * (0.75 + Math.random() * 0.5);
      this.listenerTimer = setTimeout(() => this.connectListener(), delay);
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('LISTEN connection closed')));
    client.on('notification', (n) => this.onNotification(n.payload));
    client
      .connect()
      .then(() => client.query(`LISTEN ${FLAGS_CHANNEL}`))
      .then(() => {
        if (this.stopped) return void client.end().catch(() => {});
        this.listening = true;
        this.listenerBackoffMs = 0;
        this.dbOk();
        // anything committed while we were not listening is found by a poll right away
        void this.pollNow();
      })
      .catch(fail);
  }

  private onNotification(payload: string | undefined): void {
    let msg: { environment?: string; revision?: number | string } = {};
    try {
      msg = JSON.parse(payload ?? '{}');
    } catch {
      // not ours or malformed: the poll is the safety net
    }
    const snap = msg.environment ? this.envsByKey.get(msg.environment) : undefined;
    if (!snap) return void this.pollNow();
    if (msg.revision !== undefined && BigInt(msg.revision) <= snap.revision) return;
    this.scheduleReload([snap.id]);
  }

  /** runs a poll now unless one is in flight; the periodic timer restarts after it */
  pollNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.polling) {
      if (this.pollTimer) clearTimeout(this.pollTimer);
      this.polling = this.poll()
        .catch(() => {
          // already recorded by dbFailed; keep serving what we have
        })
        .finally(() => {
          this.polling = null;
          if (!this.stopped) {
            this.pollTimer = setTimeout(() => void this.pollNow(), this.pollIntervalMs);
            this.pollTimer.unref?.();
          }
        });
    }
    return this.polling;
  }

  private async poll(): Promise<void> {
    // one round trip: every environment's revision, and a fingerprint of the token table
    const results = (await this.query(
      `SELECT id, key, revision::text AS revision FROM environments;
       SELECT md5(coalesce(string_agg(token_hash || ':' || role::text || ':' || coalesce(environment_id::text, '') || ':' || coalesce(revoked_at::text, ''), ',' ORDER BY token_hash), '')) AS fp FROM api_tokens`,
    )) as unknown as [pg.QueryResult<EnvRow>, pg.QueryResult<{ fp: string }>];
    const [envs, tokens] = results;
    const fp = tokens.rows[0]?.fp ?? '';
    if (fp !== this.tokensFingerprint) await this.reloadTokens(fp);

    const seen = new Set<string>();
    const stale: string[] = [];
    for (const e of envs.rows) {
      seen.add(e.id);
      const cur = this.envsById.get(e.id);
      if (!cur || BigInt(e.revision) > cur.revision || cur.key !== e.key) stale.push(e.id);
    }
    for (const [id, snap] of this.envsById) {
      if (!seen.has(id)) {
        this.envsById.delete(id);
        this.envsByKey.delete(snap.key);
      }
    }
    if (stale.length) await this.scheduleReload(stale);
    if (!this.ready) {
      this.ready = true;
      this.log(`[flags] snapshot loaded: ${[...this.envsByKey.values()].map((s) => `${s.key}@${s.revision}`).join(', ') || '(no environments)'}`);
    }
  }

  /** reloads these environments; concurrent requests coalesce into the next run */
  private scheduleReload(ids: string[]): Promise<void> {
    for (const id of ids) this.pendingReload.add(id);
    if (!this.reloading) {
      this.reloading = (async () => {
        try {
          while (this.pendingReload.size && !this.stopped) {
            const batch = [...this.pendingReload];
            this.pendingReload.clear();
            try {
              await this.load(batch);
            } catch (e) {
              // put them back; the next poll or notification retries
              for (const id of batch) this.pendingReload.add(id);
              throw e;
            }
          }
        } finally {
          this.reloading = null;
        }
      })();
      this.reloading.catch(() => {});
    }
    return this.reloading;
  }

  private async load(envIds: string[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      this.dbFailed(e);
      throw e;
    }
    let envs: EnvRow[];
    let rows: (FlagRow & { environmentId: string })[];
    try {
      // the revision and the values must come from the same snapshot of the database
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      envs = (await client.query<EnvRow>('SELECT id, key, revision::text AS revision FROM environments WHERE id = ANY($1::uuid[])', [envIds])).rows;
      const r = await client.query<{
        environment_id: string;
        key: string;
        type: FlagType;
        variants: string[];
        value: unknown;
        phase_key: string | null;
        rollout_key: string;
        updated_at: Date;
      }>(
        `SELECT fv.environment_id, f.key, f.type::text AS type, f.variants, fv.value, fv.phase_key, r.key AS rollout_key, fv.updated_at
           FROM flag_values fv
           JOIN flags f ON f.id = fv.flag_id
           JOIN rollouts r ON r.id = f.rollout_id
          WHERE fv.environment_id = ANY($1::uuid[])`,
        [envIds],
      );
      await client.query('COMMIT');
      rows = r.rows.map((x) => ({
        environmentId: x.environment_id,
        key: x.key,
        type: x.type,
        variants: x.variants ?? [],
        value: x.value,
        phaseKey: x.phase_key,
        rolloutKey: x.rollout_key,
        updatedAt: x.updated_at,
      }));
      client.release();
      this.dbOk();
    } catch (e) {
      client.release(true);
      this.dbFailed(e);
      throw e;
    }

    const byEnv = new Map<string, FlagRow[]>();
    for (const r of rows) {
      let list = byEnv.get(r.environmentId);
      if (!list) byEnv.set(r.environmentId, (list = []));
      list.push(r);
    }
    for (const env of envs) {
      const cur = this.envsById.get(env.id);
      // never go backwards (a slow load racing a faster one)
      if (cur && BigInt(env.revision) < cur.revision) continue;
      if (cur && BigInt(env.revision) === cur.revision && cur.key === env.key) continue;
      const snap = new EnvSnapshot(env, byEnv.get(env.id) ?? []);
      if (cur && cur.key !== env.key) this.envsByKey.delete(cur.key);
      this.envsById.set(env.id, snap);
      this.envsByKey.set(env.key, snap);
      if (cur) this.emit('change', snap);
    }
  }
}
