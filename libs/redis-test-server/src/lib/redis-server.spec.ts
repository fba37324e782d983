import { Socket } from 'node:net';
import { describeWithRedis } from './describe-with-redis';
import { ping, startRedis, type RunningRedis } from './redis-server';

/** Sends one inline command and resolves with the first line of the reply. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error(`no reply to ${line}`));
    });
    socket.once('error', reject);
    socket.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0]);
    });
  });
}

describeWithRedis('startRedis', () => {
  let redis: RunningRedis | undefined;

  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('starts on a free loopback port, in its own process group, and answers PING', async () => {
    redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await ping(redis.port)).toBe(true);
    const pid = redis.process.pid as number;
    expect(() => process.kill(-pid, 0)).not.toThrow(); // it leads a process group
    expect(redis.output()).toContain('Ready to accept connections');
  });

  it('goes down and comes up again on the same port, empty', async () => {
    redis = await startRedis();
    expect(await command(redis.port, 'SET k v')).toBe('+OK');

    await redis.down();
    expect(await ping(redis.port)).toBe(false);
    await redis.up();
    expect(await ping(redis.port)).toBe(true);
    expect(await command(redis.port, 'EXISTS k')).toBe(':0');

    await command(redis.port, 'SET k v');
    await redis.restart();
    expect(await command(redis.port, 'EXISTS k')).toBe(':0');
  });

  it('stops for good: the process has exited and it cannot come up again', async () => {
    redis = await startRedis();
    const { port } = redis;
    await redis.stop();
    await redis.stop(); // idempotent
    expect(redis.process.exitCode !== null || redis.process.signalCode !== null).toBe(true);
    expect(await ping(port)).toBe(false);
    await expect(redis.up()).rejects.toThrow('stopped for good');
  });
});
