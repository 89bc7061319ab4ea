/**
 * One Redis pipeline per turn of the event loop. The commands that requests send while the
 * process handles one batch of I/O (the rate-limit checks, the cache's reads, the writes'
 * side effects) go to Redis together: one socket write and one round trip for all of them,
 * where each command used to cost a write (a syscall) and a wait of its own. Redis runs a
 * connection's commands in the order they arrive, so each job's commands run in the order it
 * added them, and jobs in the order they were submitted, as if each had been sent alone.
 *
 * ioredis has an automatic pipelining of its own; it was measured broken on bursts of script
 * calls that meet NOSCRIPT ("results[i] is not iterable" thrown out of its pipeline), so it is
 * off (ioredis-gateway.ts) and this small batcher does the job.
 *
 * A job is a function that adds commands to a pipeline; it runs when the pipeline is built, at
 * the end of the turn, so a job may gather what others submit after it (the rate limiter puts
 * every check of the turn into one script call). Each job gets its own replies, so one job's
 * failed command never fails another job. When the pipeline as a whole has no answer (Redis
 * absent, circuit open, a timeout or a lost connection), every job of it gets `undefined`, the
 * gateway's "decide without Redis", and falls back as it did when it ran alone.
 *
 * On a Redis Cluster, keys of different slots cannot share a pipeline: there each job runs as a
 * pipeline of its own (its commands must then share one slot).
 */
import type { ChainableCommander } from 'ioredis';
import type { RedisClient, RedisGateway } from './redis-gateway.js';

/** A command's reply in a pipeline: its error, or its result. */
export type PipelineReply = [error: Error | null, result: unknown];

/** Adds a job's commands to the pipeline being built. */
export type PipelineJob = (pipe: ChainableCommander) => void;

/** A Lua script as ioredis' defineCommand takes it; without numberOfKeys the call passes the count first. */
export interface ScriptDefinition {
  lua: string;
  numberOfKeys?: number;
}

interface Queued {
  job: PipelineJob;
  resolve(replies: PipelineReply[] | undefined): void;
}

const pipelines = new WeakMap<RedisGateway, TurnPipeline>();

/** Jobs in one pipeline at most (a request's jobs are a few commands; a bulk create's, hundreds). */
export const MAX_JOBS = 256;

export class TurnPipeline {
  private queue: Queued[] = [];
  private scheduled = false;
  private readonly scripts = new Map<string, ScriptDefinition>();
  /** Pipelines sent so far (for tests and measurements). */
  sent = 0;

  constructor(private readonly gateway: RedisGateway) {}

  /** The one pipeline of a gateway, shared by everything that uses it. */
  static of(gateway: RedisGateway): TurnPipeline {
    let pipeline = pipelines.get(gateway);
    if (!pipeline) {
      pipeline = new TurnPipeline(gateway);
      pipelines.set(gateway, pipeline);
    }
    return pipeline;
  }

  /**
   * Makes these scripts commands of every pipeline (a pipeline takes the scripts its client has
   * when it is made). ioredis sends EVAL the first time on a connection, EVALSHA after, and again
   * EVAL when Redis answers NOSCRIPT (after SCRIPT FLUSH, a restart or a failover).
   */
  define(scripts: Record<string, ScriptDefinition>): this {
    for (const [name, definition] of Object.entries(scripts)) this.scripts.set(name, definition);
    return this;
  }

  /**
   * Queues a job for this turn's pipeline. Resolves with the replies of the commands the job
   * added, in order, or undefined when the pipeline got no answer. Never rejects.
   */
  submit(job: PipelineJob): Promise<PipelineReply[] | undefined> {
    if (!this.gateway.configured) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the poll phase: every request whose bytes arrived in this turn has had its say.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queue;
    this.queue = [];
    if (this.gateway.cluster) for (const q of queued) void this.send([q]);
    // One after the other on the connection, so still in order; each has a timeout of its own, so
    // a very busy turn does not make one pipeline long enough to time out as a whole.
    else for (let i = 0; i < queued.length; i += MAX_JOBS) void this.send(queued.slice(i, i + MAX_JOBS));
  }

  private async send(queued: Queued[]): Promise<void> {
    const counts: number[] = [];
    const failed = new Set<number>();
    this.sent++;
    const replies = await this.gateway.run(async (client) => {
      this.defineOn(client);
      const pipe = client.pipeline();
      for (const [i, q] of queued.entries()) {
        const before = pipe.length;
        try {
          q.job(pipe);
        } catch {
          failed.add(i); // a job that throws while adding fails alone; what it added is sent and ignored
        }
        counts.push(pipe.length - before);
      }
      if (pipe.length === 0) return [];
      const all = await pipe.exec();
      if (!all || all.length !== pipe.length) throw new Error('redis: the pipeline answered short');
      return all as PipelineReply[];
    });
    let at = 0;
    for (const [i, q] of queued.entries()) {
      const n = counts[i] ?? 0;
      q.resolve(replies && !failed.has(i) ? replies.slice(at, at + n) : undefined);
      at += n;
    }
  }

  private defineOn(client: RedisClient): void {
    const commands = client as unknown as Record<string, unknown>;
    for (const [name, { lua, numberOfKeys }] of this.scripts) {
      if (typeof commands[name] !== 'function') client.defineCommand(name, { lua, numberOfKeys });
    }
  }
}
