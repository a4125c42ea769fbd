// Container and image events, as Docker's /events stream shows them.
import { EventEmitter } from 'node:events';

export interface BoxifyEvent {
  Type: 'container' | 'image' | 'volume' | 'network';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  /** Deprecated top-level fields older clients read. */
  status?: string;
  id?: string;
  from?: string;
}

export class EventBus {
  private readonly emitter = new EventEmitter();
  /** The last events, so `/events?since=` can replay a little history. */
  private readonly recent: BoxifyEvent[] = [];

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(type: BoxifyEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): void {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const ev: BoxifyEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
      status: action,
      id,
      from: attributes.image,
    };
    this.recent.push(ev);
    if (this.recent.length > 256) this.recent.shift();
    this.emitter.emit('event', ev);
  }

  history(sinceSeconds: number): BoxifyEvent[] {
    return this.recent.filter((e) => e.time >= sinceSeconds);
  }

  subscribe(fn: (ev: BoxifyEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
