/**
 * The invalidation bus: every instance announces its writes on one Redis pub/sub channel
 * (`<prefix>invalidate`) and drops the L1 entries the others announce. Pub/sub forgets what it
 * sent while a subscriber was away, so L1 is trusted only while the subscription is confirmed,
 * and is emptied whenever it is lost or (re)made. With no Redis configured the instance is alone
 * and nothing can change behind its back.
 */
import { randomUUID } from 'node:crypto';
import { recordIdOf, type RecordId } from '../domain/record-id.js';
import type { RedisGateway } from '../redis/redis-gateway.js';

/** A record another instance changed, and the rank of its new state (versions.ts). */
export interface ChangedRecord {
  id: RecordId;
  /** Absent in an announcement from a release that did not send ranks: rank unknown. */
  rank?: number;
}

/** What this instance must do about the others' writes. */
export interface BusListener {
  /**
   * Another instance changed these records and these users' first pages, and is erasing every
   * record of the `erased` users.
   */
  changed(records: ChangedRecord[], userIds: string[], erased: string[]): void;
  /** Announcements may have been missed: nothing held locally can be trusted. */
  missed(): void;
}

/**
 * The message on the channel: the sender, the record ids, their ranks (`v`, in the same order),
 * the user ids and the users being erased (`e`). The ranks travel beside the ids, not inside
 * them, so an instance of the previous release still reads `r` as ids and drops them.
 */
interface Announcement {
  i: string;
  r?: string[];
  v?: number[];
  u?: string[];
  e?: string[];
}

export class InvalidationBus {
  private readonly instanceId = randomUUID();
  private readonly channel: string;
  private subscribed = false;

  constructor(
    private readonly redis: RedisGateway,
    private readonly listener: BusListener,
  ) {
    this.channel = `${redis.keyPrefix}invalidate`;
  }

  /** True while every other instance's announcement reaches this one (or there is no other). */
  get listening(): boolean {
    return !this.redis.configured || this.subscribed;
  }

  /** Subscribes, and subscribes again after every reconnect (a no-op without Redis). */
  async start(): Promise<void> {
    const sub = this.redis.subscriber();
    if (!sub) return;
    sub.on('message', (_channel: string, message: string) => this.onMessage(message));
    // Announcements sent while the subscriber was away are lost: L1 is trusted again only once
    // the subscription is confirmed after a (re)connect, and starts empty.
    const subscribe = () =>
      sub.subscribe(this.channel).then(
        () => {
          this.listener.missed();
          this.subscribed = true;
        },
        () => undefined,
      );
    sub.on('ready', () => void subscribe());
    sub.on('close', () => {
      this.subscribed = false;
      this.listener.missed();
    });
    if (sub.status === 'ready') await subscribe();
    else await this.redis.waitUntilReady(sub, 1000);
  }

  /**
   * Lets data already received on the channel be handled before L1 answers: an announcement
   * that arrived before this request is then never missed.
   */
  async drain(): Promise<void> {
    if (this.redis.configured) await new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * Adds the announcement of these changes to a pipeline or sends it on a client; returns what
   * PUBLISH returned there. Send it after the writes it announces.
   */
  announce<R>(
    target: { publish(channel: string, message: string): R },
    records: { id: RecordId; rank: number }[],
    userIds: string[],
    erased: string[] = [],
  ): R {
    const message: Announcement = {
      i: this.instanceId,
      r: records.map((r) => r.id),
      v: records.map((r) => r.rank),
      u: userIds,
      ...(erased.length > 0 ? { e: erased } : {}),
    };
    return target.publish(this.channel, JSON.stringify(message));
  }

  private onMessage(message: string): void {
    let msg: Announcement;
    try {
      msg = JSON.parse(message) as Announcement;
    } catch {
      return;
    }
    if (msg.i === this.instanceId) return;
    const ranks = msg.v ?? [];
    const records = (msg.r ?? []).map((id, n) => ({ id: recordIdOf(id), rank: ranks[n] }));
    this.listener.changed(records, msg.u ?? [], msg.e ?? []);
  }
}
