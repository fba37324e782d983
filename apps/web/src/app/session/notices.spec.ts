import { InsecureContextError } from '../capture/microphone';
import { HttpError, ProtocolError, ServerUnreachableError } from '../connection/http';
import { describeDelay, noticeForEngineError, noticeForError } from './notices';

const NOW = new Date(2025, 0, 1, 12, 0, 0).getTime();

describe('noticeForError', () => {
  it('says when to retry when the server is at its session limit (503 + Retry-After)', () => {
    const notice = noticeForError(new HttpError(503, 'session_limit', 'full', 30), NOW);
    expect(notice.code).toBe('session-limit');
    expect(notice.severity).toBe('error');
    expect(notice.message).toContain('limit of live sessions');
    expect(notice.message).toContain('Try again in 30 seconds (at 12:00:30)');
  });

  it('rounds longer waits to minutes', () => {
    const notice = noticeForError(new HttpError(503, 'session_limit', 'full', 125), NOW);
    expect(notice.message).toContain('Try again in about 3 minutes (at 12:02:05)');
  });

  it('tells a restart apart from a full server', () => {
    const notice = noticeForError(new HttpError(503, 'shutting_down', 'bye', 5), NOW);
    expect(notice.code).toBe('server-restarting');
    expect(notice.message).toContain('Try again in 5 seconds');
  });

  it('says when the server has no transcription engine', () => {
    expect(noticeForError(new HttpError(503, 'no_engine', 'none', null), NOW).code).toBe(
      'no-engine',
    );
  });

  it('asks to wait a moment on a 503 without Retry-After', () => {
    expect(noticeForError(new HttpError(503, 'not_ready', 'no engine', null), NOW).code).toBe(
      'server-busy',
    );
  });

  it('explains a blocked microphone (NotAllowedError) and how to allow it', () => {
    const notice = noticeForError(new DOMException('denied', 'NotAllowedError'), NOW);
    expect(notice.code).toBe('mic-denied');
    expect(notice.message).toMatch(/Allow the microphone/);
  });

  it('explains a missing microphone (NotFoundError)', () => {
    const notice = noticeForError(new DOMException('none', 'NotFoundError'), NOW);
    expect(notice.code).toBe('mic-missing');
    expect(notice.message).toMatch(/No microphone was found/);
  });

  it('explains a microphone in use elsewhere', () => {
    expect(noticeForError(new DOMException('busy', 'NotReadableError'), NOW).code).toBe('mic-busy');
  });

  it('explains that the microphone needs https or localhost', () => {
    expect(noticeForError(new InsecureContextError('no mediaDevices'), NOW).message).toMatch(
      /https:\/\/.*localhost/,
    );
  });

  it('says the server cannot be reached when fetch fails or a proxy answers 502', () => {
    expect(noticeForError(new ServerUnreachableError('down'), NOW).code).toBe('server-unreachable');
    expect(noticeForError(new HttpError(502, 'http_502', 'Bad Gateway', null), NOW).code).toBe(
      'server-unreachable',
    );
  });

  it('asks for a new session when the server no longer knows this one', () => {
    expect(noticeForError(new HttpError(404, 'session_not_found', 'gone', null), NOW).code).toBe(
      'session-rejected',
    );
  });

  it('suggests reloading when the server answers outside the contract', () => {
    expect(noticeForError(new ProtocolError('bad body'), NOW).message).toMatch(/Reload the page/);
  });

  it('falls back to a generic message that still says what to do', () => {
    expect(noticeForError(new Error('boom'), NOW).message).toBe(
      'Something went wrong (boom). Press Start to try again; reload the page if it keeps happening.',
    );
  });
});

describe('noticeForEngineError', () => {
  it('reassures that lines still arrive when the engine recovers (retryable)', () => {
    const notice = noticeForEngineError({
      code: 'engine_timeout',
      message: 'timeout',
      retryable: true,
    });
    expect(notice.severity).toBe('warning');
    expect(notice.message).toMatch(/lines will still arrive when the engine recovers/);
  });

  it('says what to do when the engine failed for good', () => {
    const notice = noticeForEngineError({
      code: 'engine_failed',
      message: 'bad key',
      retryable: false,
      segmentId: 3,
    });
    expect(notice.severity).toBe('error');
    expect(notice.message).toMatch(/could not be transcribed.*Press Stop, then Start/);
  });
});

describe('describeDelay', () => {
  it.each([
    [1, '1 second'],
    [45, '45 seconds'],
    [60, 'about a minute'],
    [3600, 'about an hour'],
    [7200, 'about 2 hours'],
  ])('%i s -> %s', (seconds, text) => {
    expect(describeDelay(seconds)).toBe(text);
  });
});
