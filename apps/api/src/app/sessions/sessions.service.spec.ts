import { Logger } from '@nestjs/common';
import type { TranscriptEvent } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import type { TranscriptionEngine } from '../transcription/engine';
import { AudioPipelineService } from '../audio-pipeline/audio-pipeline.service';
import { LiveTranscriptionService } from '../live/live-transcription.service';
import { InMemoryTranscriptBus } from '../transcript-bus/in-memory-transcript-bus';
import { TranscriptionService } from '../transcription/transcription.service';
import { SessionService } from './sessions.service';

const engine: TranscriptionEngine = {
  info: { id: 'fake', model: 'm' },
  paid: false,
  transcribe: () => Promise.resolve({ text: 'hello' }),
};

function setup(env: Record<string, string> = {}) {
  const config = loadConfig({ MAX_SESSIONS: '2', OFFER_TIMEOUT_MS: '30000', ...env }) as AppConfig;
  const transcription = new TranscriptionService(config, { engine });
  const live = new LiveTranscriptionService(transcription, new AudioPipelineService(config));
  const sut = new SessionService(config, transcription, live, new InMemoryTranscriptBus(config));
  return { sut, config };
}

const eventsOf = (events: TranscriptEvent[]) =>
  events.map((e) => (e.type === 'session' ? `session:${e.data.state}` : e.type));

describe(SessionService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('issues an unguessable id and a separate token', async () => {
    const { sut } = setup();
    const a = await sut.create({});
    const b = await sut.create({});
    expect(Buffer.from(a.session.id, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(a.session.id).not.toEqual(b.session.id);
    expect(a.token).not.toEqual(a.session.id);
    expect(Buffer.from(a.token, 'base64url').length).toBe(32);
  });

  it('authenticates only the session’s own token', async () => {
    const { sut } = setup();
    const { session, token } = await sut.create({});
    expect(sut.authenticate(session.id, token)).toBe(session);
    expect(() => sut.authenticate(session.id, 'wrong')).toThrow(
      expect.objectContaining({ status: 401 }),
    );
    expect(() => sut.authenticate(session.id, undefined)).toThrow(
      expect.objectContaining({ status: 401 }),
    );
    expect(() => sut.authenticate('nope', token)).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('refuses sessions over MAX_SESSIONS with 503 and Retry-After, and admits again after a close', async () => {
    const { sut } = setup();
    const first = await sut.create({});
    await sut.create({});
    let refused: unknown;
    try {
      await sut.create({});
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({
      status: 503,
      code: 'too_many_sessions',
      headers: { 'Retry-After': '10' },
    });
    await sut.close(first.session, { reason: 'deleted' });
    expect(sut.openCount).toBe(1);
    await expect(sut.create({})).resolves.toMatchObject({ token: expect.any(String) });
  });

  it('closes once, however many times it is asked, ending the stream with end', async () => {
    const { sut } = setup();
    const { session } = await sut.create({});
    const events: TranscriptEvent[] = [];
    session.stream.events$().subscribe((e) => events.push(e));
    await Promise.all([
      sut.close(session, { reason: 'deleted' }),
      sut.close(session, { reason: 'bye' }),
      session.close({ reason: 'bye', drainMs: 0 }),
    ]);
    expect(eventsOf(events)).toEqual([
      'session:waiting-for-media',
      'session:closing',
      'session:closed',
      'end',
    ]);
  });

  it('counts sessions created, and sessions ended by their first reason only', async () => {
    const { sut } = setup();
    const a = await sut.create({});
    const b = await sut.create({});
    await sut.close(a.session, { reason: 'deleted' });
    await sut.close(a.session, { reason: 'bye' }); // already closed: not counted again
    await sut.close(b.session, { reason: 'bye' });
    expect(sut.createdTotal).toBe(2);
    expect([...sut.endedTotals()]).toEqual([
      ['deleted', 1],
      ['bye', 1],
    ]);
  });

  it('reaps a session that got no offer in time, telling the client why', async () => {
    const { sut, config } = setup();
    const { session } = await sut.create({});
    const events: TranscriptEvent[] = [];
    session.stream.events$().subscribe((e) => events.push(e));
    sut.reap(session.createdAt + config.OFFER_TIMEOUT_MS - 1);
    expect(session.isOpen).toBe(true);
    sut.reap(session.createdAt + config.OFFER_TIMEOUT_MS + 1);
    await session.close({ reason: 'bye', drainMs: 0 });
    expect(events.find((e) => e.type === 'error')?.data).toMatchObject({
      code: 'offer_timeout',
      retryable: false,
    });
  });

  it('reaps a connected session that stopped sending audio', async () => {
    const { sut, config } = setup();
    const { session } = await sut.create({});
    session.offerAt = session.createdAt;
    session.connectedAt = session.createdAt + 100;
    session.lastRtpAt = session.createdAt + 1000;
    sut.reap(session.lastRtpAt + config.RTP_TIMEOUT_MS - 1);
    expect(session.isOpen).toBe(true);
    sut.reap(session.lastRtpAt + config.RTP_TIMEOUT_MS + 1);
    expect(session.isOpen).toBe(false);
  });

  it('reaps a session whose media never connected after the offer', async () => {
    const { sut, config } = setup();
    const { session } = await sut.create({});
    session.offerAt = session.createdAt;
    sut.reap(session.offerAt + config.CONNECT_TIMEOUT_MS + 1);
    expect(session.isOpen).toBe(false);
  });

  it('gives a lost signaling socket a grace period before ending the session', async () => {
    const { sut, config } = setup();
    const { session } = await sut.create({});
    const socket = { send: jest.fn(), close: jest.fn() };
    session.attachSocket(socket);
    session.detachSocket(socket);
    const gone = session.socketGoneAt as number;
    sut.reap(gone + config.WS_GRACE_MS - 1);
    expect(session.isOpen).toBe(true);
    session.attachSocket(socket); // came back in time
    sut.reap(gone + config.WS_GRACE_MS + 1);
    expect(session.isOpen).toBe(true);
    session.detachSocket(socket);
    sut.reap((session.socketGoneAt as number) + config.WS_GRACE_MS + 1);
    expect(session.isOpen).toBe(false);
  });

  it('stops admitting and closes every open session on shutdown', async () => {
    const { sut } = setup();
    const { session } = await sut.create({});
    await sut.beforeApplicationShutdown();
    expect(session.isOpen).toBe(false);
    await expect(sut.create({})).rejects.toMatchObject({ code: 'shutting_down' });
  });

  describe('closed sessions', () => {
    const closeNew = async (sut: SessionService) => {
      const created = await sut.create({});
      await sut.close(created.session, { reason: 'deleted' });
      return created;
    };

    it('keeps at most SESSION_RETENTION_MAX of them, the oldest going first', async () => {
      const { sut } = setup({ SESSION_RETENTION_MAX: '50' });
      const closed: Array<{ id: string; token: string }> = [];
      for (let i = 0; i < 500; i++) {
        const { session, token } = await closeNew(sut);
        closed.push({ id: session.id, token });
        expect(sut.retainedCount).toBe(Math.min(i + 1, 50));
      }
      expect(sut.openCount).toBe(0);
      for (const { id, token } of closed.slice(0, 450)) {
        expect(() => sut.lookup(id, token)).toThrow(expect.objectContaining({ status: 404 }));
      }
      for (const { id, token } of closed.slice(450)) {
        expect(sut.lookup(id, token)).toMatchObject({ id, state: 'closed', isOpen: false });
      }
    });

    it('keeps the transcript and the events for a late stream, not the partials or the rest', async () => {
      const { sut } = setup();
      const { session, token } = await sut.create({ language: 'de' });
      session.stream.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 0 } });
      session.stream.emit({
        type: 'partial',
        data: { segmentId: 0, text: 'hal', startMs: 0, endMs: 500, revision: 1 },
      });
      const line = { segmentId: 0, text: 'hallo', startMs: 0, endMs: 900, latencyMs: 5 };
      session.stream.emit({ type: 'final', data: { ...line, engine: 'fake' } });
      await sut.close(session, { reason: 'deleted' });

      const kept = sut.lookup(session.id, token);
      expect(kept).not.toBe(session);
      expect(kept).toMatchObject({ id: session.id, language: 'de', engine: session.engine });
      expect(kept).not.toHaveProperty('live');
      expect(kept.stream.lines).toEqual([{ ...line, engine: 'fake' }]);
      const replay: TranscriptEvent[] = [];
      kept.stream.events$(0).subscribe((e) => replay.push(e));
      expect(eventsOf(replay)).toEqual([
        'session:waiting-for-media',
        'speech-start',
        'final',
        'session:closing',
        'session:closed',
        'end',
      ]);
      // Ids stay as they were: a client that saw the partial (id 3) resumes after it.
      expect(replay.map((e) => e.id)).toEqual([1, 2, 4, 5, 6, 7]);
      expect(() => sut.lookup(session.id, 'wrong')).toThrow(
        expect.objectContaining({ status: 401 }),
      );
    });

    it('refuses to act on an ended session with 409 session_closed', async () => {
      const { sut } = setup();
      const { session, token } = await closeNew(sut);
      expect(() => sut.authenticate(session.id, token)).toThrow(
        expect.objectContaining({ status: 409, code: 'session_closed' }),
      );
    });

    it('forgets them after SESSION_RETENTION_MS', async () => {
      const { sut, config } = setup();
      const now = jest.spyOn(Date, 'now');
      try {
        const { session, token } = await closeNew(sut);
        const closedAt = Date.now();
        now.mockReturnValue(closedAt + config.SESSION_RETENTION_MS - 1000);
        expect(sut.lookup(session.id, token).id).toBe(session.id);
        now.mockReturnValue(closedAt + config.SESSION_RETENTION_MS + 1000);
        expect(() => sut.lookup(session.id, token)).toThrow(
          expect.objectContaining({ status: 404 }),
        );
        expect(sut.retainedCount).toBe(0);
      } finally {
        now.mockRestore();
      }
    });

    it('keeps none with SESSION_RETENTION_MAX=0', async () => {
      const { sut } = setup({ SESSION_RETENTION_MAX: '0' });
      const { session, token } = await closeNew(sut);
      expect(sut.retainedCount).toBe(0);
      expect(() => sut.lookup(session.id, token)).toThrow(expect.objectContaining({ status: 404 }));
    });
  });
});
