/**
 * The Redis command timeout measures Redis, not this process. Under load a turn of the event loop
 * can outlast the timeout; Node runs due timers before it reads the sockets, so a plain timer
 * would call an answer that already waits in the socket a timeout, and enough of those open the
 * circuit (every read then goes to the database, just when CPU is short: seen in the 1,000/s
 * soak). Checked against the real Redis over a raw socket: PING, then the process blocks.
 */
import net from 'node:net';
import { TimeoutError, withTimeout } from '../../src/redis/ioredis-gateway.js';

const REDIS_URL = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // the process is busy: nothing else runs, the timer falls due, Redis answers meanwhile
  }
}

describe('the Redis command timeout', () => {
  let socket: net.Socket;

  beforeEach(async () => {
    socket = net.connect(Number(REDIS_URL.port || 6379), REDIS_URL.hostname);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  });
  afterEach(() => socket.destroy());

  const ping = () => {
    const answer = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.write('PING\r\n');
    return answer;
  };

  test('when the answer arrived while this process was busy past the timeout, then it is the answer', async () => {
    for (let i = 0; i < 5; i++) {
      const answer = withTimeout(ping(), 20);
      busy(120);
      await expect(answer).resolves.toBe('+PONG\r\n');
    }
  });

  test('when Redis does not answer, then it is a TimeoutError after about the timeout', async () => {
    const started = Date.now();
    await expect(withTimeout(new Promise(() => undefined), 30)).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('when the answer comes in time, then it is the answer and no timer is left behind', async () => {
    await expect(withTimeout(ping(), 1000)).resolves.toBe('+PONG\r\n');
  });
});
