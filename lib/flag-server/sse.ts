// The event stream advertised in bulk responses (`eventStreams`, OFREP ADR-0008): one SSE
// connection per client and environment; every new revision of that environment is sent as
// a `refetchEvaluation` message once the new snapshot is in memory, so the re-fetch it
// triggers is answered with the new values.
//
// A stream lives no longer than the token that opened it: each stream remembers its token's
// hash, and whenever the store reloads the token table (it notices a token revoked, deleted or
// moved to another environment on its next poll) every stream is checked again and the ones
// whose token no longer grants its environment are ended.
import type { ServerResponse } from 'node:http';
import type { EnvSnapshot } from './snapshot';
import type { FlagStore } from './store';

const HEARTBEAT_MS = 15_000;

/** may the token with this hash still read this environment's stream? */
export type StreamAccess = (tokenHash: string, environmentId: string) => boolean;

export function refetchEvent(snap: EnvSnapshot): string {
  const data: Record<string, unknown> = { type: 'refetchEvaluation', etag: snap.changeTag };
  if (snap.revisionTime) data.lastModified = Math.floor(Date.parse(snap.revisionTime) / 1000);
  return `id: ${snap.revision}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class SseHub {
  private readonly clients = new Map<string, Set<ServerResponse>>();
  /** the token (hash) each open stream was opened with */
  private readonly tokenOf = new Map<ServerResponse, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onChange = (snap: EnvSnapshot) => this.broadcast(snap);
  private readonly onTokens = () => this.recheck();

  constructor(
    private readonly store: FlagStore,
    private readonly mayRead: StreamAccess,
  ) {
    store.on('change', this.onChange);
    store.on('tokens', this.onTokens);
    this.heartbeat = setInterval(() => {
      for (const set of this.clients.values()) for (const res of set) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    let n = 0;
    for (const s of this.clients.values()) n += s.size;
    return n;
  }

  add(res: ServerResponse, snap: EnvSnapshot, tokenHash: string, lastEventId: string | undefined): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // reconnect after 1 s if the connection drops; say which revision this stream starts at
    let first = `retry: 1000\n: ${snap.key} revision ${snap.revision}\n\n`;
    // a client resuming from an older revision missed a change: tell it at once
    if (lastEventId !== undefined && lastEventId !== String(snap.revision)) first += refetchEvent(snap);
    res.write(first);
    let set = this.clients.get(snap.id);
    if (!set) this.clients.set(snap.id, (set = new Set()));
    set.add(res);
    this.tokenOf.set(res, tokenHash);
    const remove = () => {
      this.tokenOf.delete(res);
      const s = this.clients.get(snap.id);
      s?.delete(res);
      if (s && s.size === 0) this.clients.delete(snap.id);
    };
    res.on('close', remove);
    res.on('error', remove);
    // accepted on a token that is not in the table (looked up while a reload was replacing it):
    // have the table reloaded, so this stream is checked against it
    if (!this.mayRead(tokenHash, snap.id)) this.store.verifyTokens();
  }

  /** ends every stream whose token no longer grants its environment */
  recheck(): void {
    for (const [envId, set] of this.clients) {
      for (const res of set) {
        const hash = this.tokenOf.get(res);
        if (hash !== undefined && this.mayRead(hash, envId)) continue;
        // clients reconnect after `retry`, and are then answered 401 (or 403)
        res.end(': token revoked\n\n');
        set.delete(res);
        this.tokenOf.delete(res);
      }
      if (set.size === 0) this.clients.delete(envId);
    }
  }

  broadcast(snap: EnvSnapshot): void {
    const set = this.clients.get(snap.id);
    if (!set) return;
    const msg = refetchEvent(snap);
    for (const res of set) res.write(msg);
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.store.off('change', this.onChange);
    this.store.off('tokens', this.onTokens);
    for (const set of this.clients.values()) for (const res of set) res.end();
    this.clients.clear();
    this.tokenOf.clear();
  }
}
