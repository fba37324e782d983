import { firstValueFrom, toArray } from 'rxjs';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import { InMemoryTranscriptBus } from './in-memory-transcript-bus';

describe(InMemoryTranscriptBus.name, () => {
  const sut = new InMemoryTranscriptBus(loadConfig({ SSE_REPLAY_EVENTS: '10' }) as AppConfig);

  it('opens one channel per session, numbered from 1 on its own', () => {
    const a = sut.open('a');
    const b = sut.open('b');
    a.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 0 } });
    expect(a.emit({ type: 'speech-start', data: { segmentId: 1, startMs: 5 } })?.id).toBe(2);
    expect(b.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 0 } })?.id).toBe(1);
  });

  it('replays as many events as SSE_REPLAY_EVENTS says', async () => {
    const channel = sut.open('c');
    for (let i = 0; i < 15; i++) {
      channel.emit({ type: 'speech-start', data: { segmentId: i, startMs: i } });
    }
    channel.end();
    const replayed = await firstValueFrom(channel.events$(0).pipe(toArray()));
    expect(replayed.map((e) => e.id)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });
});
