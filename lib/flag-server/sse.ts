// The event stream advertised in bulk responses (`eventStreams`, OFREP ADR-0008): one SSE
// connection per client and environment; every new revision of that environment is sent as
// a `refetchEvaluation` message once the new snapshot is in memory, so the re-fetch it
// triggers is answered with the new values.
import type { ServerResponse } from 'node:http';
import type { EnvSnapshot } from './snapshot';
import type { FlagStore } from './store';

const HEARTBEAT_MS = 15_000;

export function refetchEvent(snap: EnvSnapshot): string {
  const data: Record<string, unknown> = { type: 'refetchEvaluation', etag: snap.changeTag };
  if (snap.revisionTime) data.lastModified = Math.floor(Date.parse(snap.revisionTime) / 1000);
  return `id: ${snap.revision}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class SseHub {
  private readonly clients = new Map<string, Set<ServerResponse>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly onChange = (snap: EnvSnapshot) => this.broadcast(snap);

  constructor(private readonly store: FlagStore) {
    store.on('change', this.onChange);
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

  add(res: ServerResponse, snap: EnvSnapshot, lastEventId: string | undefined): void {
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
    const remove = () => {
      const s = this.clients.get(snap.id);
      s?.delete(res);
      if (s && s.size === 0) this.clients.delete(snap.id);
    };
    res.on('close', remove);
    res.on('error', remove);
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
    for (const set of this.clients.values()) for (const res of set) res.end();
    this.clients.clear();
  }
}
