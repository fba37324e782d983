import { InsecureContextError } from '../capture/microphone';
import { HttpError, ProtocolError, ServerUnreachableError } from '../connection/http';
import {
  describeDelay,
  isSessionEndError,
  noticeForEngineError,
  noticeForError,
  noticeForSessionEnd,
} from './notices';

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

  it('says when the server has no transcription engine, with the server’s own message', () => {
    const notice = noticeForError(
      new HttpError(
        503,
        'no_engine',
        'no transcription engine is usable: set OPENAI_API_KEY, or install the offline engine with `apt-get install pocketsphinx pocketsphinx-en-us`',
        null,
      ),
      NOW,
    );
    expect(notice.code).toBe('no-engine');
    expect(notice.message).toBe(
      'The server cannot take sessions: it has no working transcription engine. Its message for whoever runs it: No transcription engine is usable: set OPENAI_API_KEY, or install the offline engine with `apt-get install pocketsphinx pocketsphinx-en-us`. Press Start again once that is fixed.',
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

describe('noticeForSessionEnd', () => {
  it.each([
    ['server_shutdown', 'because it is shutting down'],
    ['offer_timeout', 'because this page could not connect to it in time'],
    ['connect_timeout', 'because this page could not connect to the server’s audio port in time'],
    ['connect_failed', 'because this page could not connect to the server’s audio port'],
    ['media_timeout', 'because no audio arrived from this page for too long'],
    ['socket_gone', 'because the connection to this page was lost'],
    ['media_failed', 'because the audio connection to this page was lost'],
  ])('says the server closed the session, and why (%s)', (code, why) => {
    const data = { code, message: 'server words', retryable: false };
    expect(isSessionEndError(data)).toBe(true);
    const notice = noticeForSessionEnd(data);
    expect(notice).toMatchObject({ code: 'session-closed', severity: 'error' });
    expect(notice.message).toContain(`The server closed this session ${why}`);
    expect(notice.message).toContain('press Start to begin a new session');
    expect(notice.message).not.toMatch(/engine|Stop/);
    // What to check comes with the reasons that have something to check.
    expect(/firewall.*TURN server/.test(notice.message)).toBe(code.startsWith('connect_'));
  });

  it('quotes the server for a code it does not know', () => {
    const data = { code: 'operator_kick', message: 'closed by the operator', retryable: false };
    expect(isSessionEndError(data)).toBe(true);
    expect(noticeForSessionEnd(data).message).toMatch(
      /^The server closed this session \(closed by the operator\)\./,
    );
  });

  it('leaves an engine failure for one segment to noticeForEngineError', () => {
    expect(
      isSessionEndError({
        code: 'engine_unavailable',
        message: 'down',
        retryable: false,
        segmentId: 4,
      }),
    ).toBe(false);
    expect(
      isSessionEndError({ code: 'engine_rate_limited', message: 'slow', retryable: true }),
    ).toBe(false);
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
