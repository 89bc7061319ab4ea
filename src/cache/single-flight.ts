/** One load per key at a time in this process: 50 concurrent misses of a key make one query. */
export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();

  /** load()'s promise, shared with every caller that asks for the same key while it runs. */
  run<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const p = load().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Whether a load of this key is in flight. */
  running(key: string): boolean {
    return this.inflight.has(key);
  }
}
