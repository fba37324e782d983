import { TestBed } from '@angular/core/testing';
import { FakeBrowser, FakeResponse, json } from '../../testing/fake-browser';
import { HttpError } from '../connection/http';
import { BROWSER_APIS } from '../shared/browser-apis';
import { TranscriptExport } from './transcript-export';

describe(TranscriptExport.name, () => {
  let browser: FakeBrowser;
  let sut: TranscriptExport;

  beforeEach(() => {
    browser = new FakeBrowser();
    browser.nowMs = new Date(2025, 5, 30, 8, 4, 9).getTime();
    TestBed.configureTestingModule({
      providers: [{ provide: BROWSER_APIS, useValue: browser.apis }],
    });
    sut = TestBed.inject(TranscriptExport);
  });

  it('downloads the server transcript in the asked format under a dated file name', async () => {
    const srt = '1\n00:00:00,000 --> 00:00:02,000\nHi\n';
    browser.http.route('GET /api/sessions/s1/transcript', () => new FakeResponse(200, srt));

    const fileName = await sut.download({ sessionId: 's1', token: 't&k' }, 'srt');

    expect(browser.http.calls[0].url).toBe('/api/sessions/s1/transcript?format=srt&token=t%26k');
    expect(fileName).toBe('whisperstream-2025-06-30-080409.srt');
    expect(browser.savedFiles.map((f) => f.fileName)).toEqual([fileName]);
    expect(browser.savedFiles[0].blob.size).toBe(srt.length);
  });

  it('fails with the HTTP status when the server no longer has the transcript', async () => {
    browser.http.route('GET /api/sessions/s1/transcript', () =>
      json(404, { error: { code: 'session_not_found', message: 'unknown session' } }),
    );
    await expect(sut.download({ sessionId: 's1', token: 'tok' }, 'txt')).rejects.toBeInstanceOf(
      HttpError,
    );
    expect(browser.savedFiles).toEqual([]);
  });

  it('parses the JSON transcript with the contract schema', async () => {
    browser.http.route('GET /api/sessions/s1/transcript', () =>
      json(200, {
        sessionId: 's1',
        state: 'live',
        language: null,
        engine: { id: 'openai', model: 'whisper-1' },
        lines: [
          { segmentId: 0, text: 'Hi', startMs: 0, endMs: 900, latencyMs: 300, engine: 'openai' },
        ],
      }),
    );
    const transcript = await sut.fetchJson({ sessionId: 's1', token: 'tok' });
    expect(transcript.lines.map((l) => l.text)).toEqual(['Hi']);
  });
});
