/**
 * WORKERS=n: the primary forks n workers that share the listening port (node:cluster), restarts
 * a worker that dies unexpectedly, and on SIGTERM/SIGINT passes the signal on and exits 0 once
 * every worker has drained and exited.
 */
import cluster from 'node:cluster';
import { flushLogs, type Logger } from './observability/logger.js';

/**
 * `env` is added to every worker's environment (config's workerEnv): cursors must verify on
 * whichever worker gets the next page.
 */
export function runPrimary(workers: number, logger: Logger, env: Record<string, string>): void {
  let stopping = false;
  const fork = () => cluster.fork(env);
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all workers stopped');
        void flushLogs(logger).then(() => process.exit(0));
      }
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ workers }, 'primary started');
}
