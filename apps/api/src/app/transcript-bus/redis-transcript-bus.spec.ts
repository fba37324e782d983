import { Logger } from '@nestjs/common';
import { describeWithRedis, startRedis, type RunningRedis } from '@whisperstream/redis-test-server';
import type { TranscriptEvent, TranscriptEventInit } from '@whisperstream/shared-types';
import { Redis } from 'ioredis';
import { firstValueFrom, type Observable, timeout, toArray } from 'rxjs';
import { RedisConnections } from '../cluster/redis-connections';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import { TranscriptsService } from '../transcripts/transcripts.service';
import { RedisTranscriptBus, TRANSCRIPT_KEYS } from './redis-transcript-bus';
import { RETENTION_GRACE_MS, TranscriptUnavailableError } from './transcript-bus';

const ENGINE = { id: 'fake', model: 'm' };
const state = (s: 'live' | 'closing' | 'closed') =>
  ({ type: 'session', data: { state: s, engine: ENGINE } }) as const;
const partial = (segmentId: number, revision: number): TranscriptEventInit => ({
  type: 'partial',
  data: { segmentId, text: 'hel', startMs: 0, endMs: 500, revision },
});
const final = (segmentId: number, text: string): TranscriptEventInit => ({
  type: 'final',
  data: {
    segmentId,
    text,
    startMs: segmentId * 1000,
    endMs: segmentId * 1000 + 900,
    latencyMs: 5,
    engine: 'fake',
  },
});

/** Everything an observable emits until it completes (or the test's patience ends). */
const all = (events$: Observable<TranscriptEvent>, ms = 5000) =>
  firstValueFrom(events$.pipe(timeout(ms), toArray()));

/** Subscribes and records; `until` resolves once the recorded events satisfy a condition. */
function record(events$: Observable<TranscriptEvent>) {
  const events: TranscriptEvent[] = [];
  let error: unknown;
  let completed = false;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const subscription = events$.subscribe({
    next: (e) => {
      events.push(e);
      wake();
    },
    error: (e: unknown) => {
      error = e;
      wake();
    },
    complete: () => {
      completed = true;
      wake();
    },
  });
  const until = async (done: () => boolean, ms = 5000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`not seen within ${ms} ms: ${JSON.stringify(ids())}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  const ids = () => events.map((e) => e.id);
  return {
    events,
    ids,
    until,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}

describeWithRedis(RedisTranscriptBus.name, () => {
  let redis: RunningRedis;
  let raw: Redis;
  const nodes: RedisConnections[] = [];
  let sessions = 0;
  const newId = () => `session-${++sessions}`;

  /** One API node: its own Redis connections and bus. */
  function node(name: string, env: Record<string, string> = {}): RedisTranscriptBus {
    const config = loadConfig({
      REDIS_URL: redis.url,
      NODE_ID: name,
      SSE_REPLAY_EVENTS: '10',
      ...env,
    }) as AppConfig;
    const connections = new RedisConnections(config);
    nodes.push(connections);
    return new RedisTranscriptBus(config, connections);
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    redis = await startRedis();
    raw = new Redis(redis.url, { maxRetriesPerRequest: null });
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.onApplicationShutdown()));
  });

  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  it('numbers events 1..n on the owner, and another node reads them live to the end', async () => {
    const a = node('a');
    const b = node('b');
    const id = newId();
    const onB = record(b.events$(id)); // before the owner has written anything
    const channel = a.open(id);
    const local = record(a.events$(id));
    const emitted = [
      channel.emit(state('live')),
      channel.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 10 } }),
      channel.emit(partial(0, 1)),
      channel.emit(final(0, 'hello there')),
    ];
    expect(emitted.map((e) => e?.id)).toEqual([1, 2, 3, 4]); // numbered at once, synchronously
    expect(local.ids()).toEqual([1, 2, 3, 4]); // the owner's subscribers: no round trip
    channel.end();
    await onB.until(() => onB.completed);
    expect(onB.events).toEqual([...emitted, { type: 'end', id: 5, data: {} }]);
    expect(local.completed).toBe(true);
  });

  it('resumes on another node after Last-Event-ID, with no gap and no duplicate', async () => {
    const a = node('a');
    const b = node('b');
    const id = newId();
    const channel = a.open(id);
    for (let i = 0; i < 5; i++) channel.emit(final(i, `line ${i}`));
    const resumed = record(b.events$(id, 3));
    await resumed.until(() => resumed.ids().length === 2); // replayed 4 and 5
    for (let i = 5; i < 8; i++) channel.emit(final(i, `line ${i}`));
    channel.end();
    await resumed.until(() => resumed.completed);
    expect(resumed.ids()).toEqual([4, 5, 6, 7, 8, 9]);
    expect((await b.lines(id)).map((l) => l.text)).toEqual(
      Array.from({ length: 8 }, (_, i) => `line ${i}`),
    );
  });

  it('serves another node’s session as SSE frames, resumed after Last-Event-ID', async () => {
    const a = node('a');
    const b = node('b');
    const id = newId();
    const channel = a.open(id);
    channel.emit(state('live'));
    channel.emit(final(0, 'hi'));
    channel.end();
    const config = loadConfig({ SSE_KEEPALIVE_MS: '60000' }) as AppConfig;
    const frames = await firstValueFrom(
      new TranscriptsService(config, b).sse$(id, 1).pipe(timeout(5000), toArray()),
    );
    expect(frames).toEqual([
      'retry: 2000\n\n',
      `id: 2\nevent: final\ndata: ${JSON.stringify(final(0, 'hi').data)}\n\n`,
      'id: 3\nevent: end\ndata: {}\n\n',
    ]);
  });

  it('caps the events stream but keeps every transcript line, and expires both after retention', async () => {
    const a = node('a', { SESSION_RETENTION_MS: '1000' });
    const b = node('b');
    const id = newId();
    const channel = a.open(id);
    channel.emit(final(0, ' ')); // an empty final is no line
    for (let i = 1; i <= 300; i++) {
      channel.emit(partial(i, 1));
      channel.emit(final(i, `line ${i}`));
    }
    channel.end();
    await a.stored();
    const kept = await raw.xlen(TRANSCRIPT_KEYS.events(id));
    expect(kept).toBeGreaterThanOrEqual(10);
    expect(kept).toBeLessThan(300); // MAXLEN ~ 10 trims whole nodes of the stream
    const lines = await b.lines(id);
    expect(lines).toHaveLength(300);
    expect(lines[299]).toEqual({ ...final(300, 'line 300').data });
    const late = await all(b.events$(id));
    expect(late.map((e) => e.id)).toEqual(
      Array.from({ length: late.length }, (_, i) => 603 - late.length + i),
    );
    expect(late.at(-1)?.type).toBe('end');
    for (const key of [TRANSCRIPT_KEYS.events(id), TRANSCRIPT_KEYS.lines(id)]) {
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(RETENTION_GRACE_MS);
      expect(ttl).toBeLessThanOrEqual(1000 + RETENTION_GRACE_MS);
    }
  });

  it('gives a late reader on another node the replay, without the partials once compacted, then completion', async () => {
    const a = node('a');
    const b = node('b');
    const id = newId();
    const channel = a.open(id);
    channel.emit(partial(0, 1));
    channel.emit(partial(0, 2));
    channel.emit(final(0, 'a'));
    channel.end();
    await a.stored();
    expect((await all(b.events$(id))).map((e) => e.type)).toEqual([
      'partial',
      'partial',
      'final',
      'end',
    ]);
    channel.compact();
    await a.stored();
    expect((await all(b.events$(id))).map((e) => [e.id, e.type])).toEqual([
      [3, 'final'],
      [4, 'end'],
    ]);
    expect((await all(b.events$(id, 3))).map((e) => e.id)).toEqual([4]);
  });

  it('lets another node take over a lost owner’s stream: numbering goes on, readers see the end', async () => {
    const a = node('a');
    const b = node('b');
    const c = node('c');
    const id = newId();
    const channel = a.open(id);
    channel.emit(state('live'));
    channel.emit(final(0, 'before the node died'));
    channel.emit(partial(1, 1));
    await a.stored(); // then node A is lost: it writes nothing more
    const watcher = record(c.events$(id, 2));
    const taken = await b.takeOver(id);
    expect(taken.ended).toBe(false);
    expect(taken.lines.map((l) => l.text)).toEqual(['before the node died']);
    expect(
      [
        taken.emit({
          type: 'error',
          data: { code: 'node_lost', message: 'the node stopped', retryable: false },
        }),
        taken.emit(state('closing')),
        taken.emit(state('closed')),
      ].map((e) => e?.id),
    ).toEqual([4, 5, 6]);
    taken.end();
    await watcher.until(() => watcher.completed);
    expect(watcher.events.map((e) => [e.id, e.type])).toEqual([
      [3, 'partial'],
      [4, 'error'],
      [5, 'session'],
      [6, 'session'],
      [7, 'end'],
    ]);
    expect((await c.lines(id)).map((l) => l.text)).toEqual(['before the node died']);
    await b.stored();
    const again = await c.takeOver(id); // an ended stream: nothing more is published
    expect(again.ended).toBe(true);
    expect(again.emit(state('closed'))).toBeUndefined();
  });

  it('forgets a session: its keys go at once', async () => {
    const a = node('a');
    const id = newId();
    const channel = a.open(id);
    channel.emit(final(0, 'a'));
    channel.end();
    await a.stored();
    expect(await raw.exists(TRANSCRIPT_KEYS.events(id), TRANSCRIPT_KEYS.lines(id))).toBe(2);
    await a.forget(id);
    expect(await raw.exists(TRANSCRIPT_KEYS.events(id), TRANSCRIPT_KEYS.lines(id))).toBe(0);
    expect(await a.lines(id)).toEqual([]);
  });

  it('survives a Redis restart: the owner’s subscribers never notice, a reader elsewhere errors and resumes', async () => {
    const a = node('a');
    const b = node('b');
    const id = newId();
    const channel = a.open(id);
    const local = record(a.events$(id));
    const remote = record(b.events$(id));
    for (let i = 0; i < 3; i++) channel.emit(final(i, `line ${i}`));
    await remote.until(() => remote.ids().length === 3);

    await redis.down();
    await remote.until(() => remote.error !== undefined);
    expect(remote.error).toBeInstanceOf(TranscriptUnavailableError);
    await expect(b.lines(id)).rejects.toBeInstanceOf(TranscriptUnavailableError);
    await expect(all(b.events$(id, 3))).rejects.toBeInstanceOf(TranscriptUnavailableError);
    for (let i = 3; i < 6; i++) channel.emit(final(i, `line ${i}`)); // kept in the offline queue
    expect(local.ids()).toEqual([1, 2, 3, 4, 5, 6]);

    await redis.up(); // same port, empty: it had no persistence
    const resumed = record(b.events$(id, remote.ids().at(-1)));
    channel.emit(final(6, 'line 6'));
    channel.end();
    await resumed.until(() => resumed.completed, 10_000);
    expect(resumed.ids()).toEqual([4, 5, 6, 7, 8]);
    expect(local.ids()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(local.error).toBeUndefined();
    expect(local.completed).toBe(true);
  }, 20_000);
});
