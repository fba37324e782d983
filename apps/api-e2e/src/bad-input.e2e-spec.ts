import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { RunningServer, runServerToExit, startServer } from '@whisperstream/server-harness';
import type { CreateSessionResponse } from '@whisperstream/shared-types';
import {
  ApiClient,
  openRawSocket,
  parseApiErrorText,
  signalingUrl,
  SseClient,
} from '@whisperstream/webrtc-client';
import { makeOffer } from './support/offers';

const API_KEY = 'sk-test-bad-input';
const codeOf = (response: { text: string }) => parseApiErrorText(response.text)?.code;
const MAX_SESSIONS = 4;

describe('bad input gets a clear error and loses nothing', () => {
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let api: ApiClient;
  const offers: Array<{ close: () => Promise<void> }> = [];

  const create = async (): Promise<CreateSessionResponse> => {
    const result = await api.createSession();
    if (!result.ok) throw new Error(`create failed: ${result.status} ${result.text}`);
    return result.data;
  };
  const audioOffer = async () => {
    const offer = await makeOffer('audio');
    offers.push(offer);
    return offer.sdp;
  };
  const deleteAll = async (sessions: CreateSessionResponse[]) =>
    Promise.all(sessions.map((s) => api.deleteSession(s.sessionId, s.token)));

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    server = await startServer({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      MAX_SESSIONS: String(MAX_SESSIONS),
      SESSION_RATE_LIMIT_PER_MINUTE: '1000',
    });
    api = new ApiClient(server.baseUrl);
  });

  afterAll(async () => {
    await Promise.all(offers.map((o) => o.close()));
    await server?.stop();
    await fake?.close();
  });

  describe('tokens and sessions', () => {
    let session: CreateSessionResponse;
    beforeAll(async () => {
      session = await create();
    });
    afterAll(() => deleteAll([session]));

    it.each([
      ['missing', null],
      ['wrong', 'not-the-token'],
    ])('refuses a %s token on every route with 401', async (_label, token) => {
      const session = await create();
      const sdp = await audioOffer();
      const offer = await api.postOffer(session.sessionId, token, sdp);
      expect([offer.status, !offer.ok && codeOf(offer)]).toEqual([401, 'unauthorized']);
      const transcript = await api.getTranscript(session.sessionId, token, 'json', 'bearer');
      expect(transcript.status).toBe(401);
      const del = await api.deleteSession(session.sessionId, token);
      expect(del.status).toBe(401);
      const sse = await SseClient.connect(server.baseUrl, session.sessionId, token);
      expect([sse.ok, sse.status]).toEqual([false, 401]);
      const ws = await openRawSocket(signalingUrl(server.baseUrl, session.sessionId, token));
      expect(ws.ok ? 'upgraded' : [ws.status, ws.error?.code]).toEqual([401, 'unauthorized']);
      expect(ws.ok ? null : ws.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(ws.ok ? null : ws.headers['www-authenticate']).toBe('Bearer');
      // Nothing was lost: the right token still works.
      const answer = await api.postOffer(session.sessionId, session.token, sdp);
      expect(answer.status).toBe(200);
      await deleteAll([session]);
    });

    it('answers 404 for an unknown session on every route', async () => {
      const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAA';
      expect((await api.postOffer(unknown, session.token, await audioOffer())).status).toBe(404);
      expect((await api.getTranscript(unknown, session.token, 'txt', 'query')).status).toBe(404);
      expect((await api.deleteSession(unknown, session.token)).status).toBe(404);
      expect((await SseClient.connect(server.baseUrl, unknown, session.token)).status).toBe(404);
      const ws = await openRawSocket(signalingUrl(server.baseUrl, unknown, session.token));
      expect(ws.ok ? 'upgraded' : [ws.status, ws.error?.code]).toEqual([404, 'session_not_found']);
    });

    it('refuses a query parameter given twice with 400 invalid_query naming it, never 500', async () => {
      const { sessionId, token } = session;
      const base = `/api/sessions/${sessionId}`;
      const t = encodeURIComponent(token);
      for (const [path, name] of [
        [`${base}/events?token=${t}&token=${t}`, 'token'],
        [`${base}/transcript?token=${t}&token=${t}`, 'token'],
        [`${base}/transcript?format=txt&format=txt&token=${t}`, 'format'],
      ]) {
        const answer = await api.request('GET', path, {});
        expect([path, answer.status, codeOf(answer)]).toEqual([path, 400, 'invalid_query']);
        expect(parseApiErrorText(answer.text)?.message).toContain(`"${name}"`);
      }
      const url = new URL(signalingUrl(server.baseUrl, sessionId, token));
      url.searchParams.append('token', token);
      const ws = await openRawSocket(url.toString());
      expect(ws.ok ? 'upgraded' : [ws.status, ws.error?.code]).toEqual([400, 'invalid_query']);
      // Given once, each still works.
      const events = await SseClient.connect(server.baseUrl, sessionId, token);
      expect(events.ok).toBe(true);
      events.close();
      expect((await api.getTranscript(sessionId, token, 'txt', 'query')).status).toBe(200);
    });

    it('keeps an ended session readable and refuses to act on it', async () => {
      const ended = await create();
      const { sessionId, token } = ended;
      expect((await api.deleteSession(sessionId, token)).status).toBe(204);
      const live = await SseClient.connect(server.baseUrl, sessionId, token);
      await live.waitForType('end', 10_000);
      live.close();
      // Gone from the open sessions: served from what is retained of it.
      const late = await SseClient.connect(server.baseUrl, sessionId, token, { lastEventId: '1' });
      await late.waitForType('end', 10_000);
      expect(late.events.map((e) => e.id)).toEqual(live.events.slice(1).map((e) => e.id));
      late.close();
      const transcript = await api.getTranscript(sessionId, token, 'json', 'bearer');
      expect(transcript.ok && transcript.data).toMatchObject({
        sessionId,
        state: 'closed',
        lines: [],
      });
      expect((await api.deleteSession(sessionId, token)).status).toBe(204);
      const offer = await api.postOffer(sessionId, token, await audioOffer());
      expect([offer.status, !offer.ok && codeOf(offer)]).toEqual([409, 'session_closed']);
      const ws = await openRawSocket(signalingUrl(server.baseUrl, sessionId, token));
      expect(ws.ok ? 'upgraded' : [ws.status, ws.error?.code]).toEqual([410, 'session_closed']);
      expect((await api.getTranscript(sessionId, 'wrong', 'txt', 'query')).status).toBe(401);
    });

    it('refuses a second offer with 409', async () => {
      const first = await api.postOffer(session.sessionId, session.token, await audioOffer());
      expect(first.status).toBe(200);
      const second = await api.postOffer(session.sessionId, session.token, await audioOffer());
      expect([second.status, !second.ok && codeOf(second)]).toEqual([
        409,
        'offer_already_received',
      ]);
    });
  });

  describe('offers', () => {
    it.each([
      ['not SDP at all', 'hello world', 400, 'invalid_sdp'],
      [
        'SDP-shaped garbage',
        'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n',
        400,
        'invalid_sdp',
      ],
    ])('refuses %s with 400 and keeps the session usable', async (_label, sdp, status, code) => {
      const session = await create();
      const bad = await api.postOffer(session.sessionId, session.token, sdp);
      expect([bad.status, !bad.ok && codeOf(bad)]).toEqual([status, code]);
      const good = await api.postOffer(session.sessionId, session.token, await audioOffer());
      expect(good.status).toBe(200);
      expect(good.ok && good.data.sdp).toMatch(/^v=0/);
      await deleteAll([session]);
    });

    it('refuses a video-only offer with 400 no_audio', async () => {
      const session = await create();
      const video = await makeOffer('video');
      offers.push(video);
      const result = await api.postOffer(session.sessionId, session.token, video.sdp);
      expect([result.status, !result.ok && codeOf(result)]).toEqual([400, 'no_audio']);
      await deleteAll([session]);
    });

    it('refuses malformed bodies and oversized SDP', async () => {
      const session = await create();
      const auth = { authorization: `Bearer ${session.token}` };
      const path = `/api/sessions/${session.sessionId}/offer`;
      const notJson = await api.request('POST', path, {
        rawBody: '{"type":',
        headers: { ...auth, 'content-type': 'application/json' },
      });
      expect([notJson.status, codeOf(notJson)]).toEqual([400, 'invalid_json']);
      const wrongShape = await api.request('POST', path, {
        json: { type: 'answer', sdp: 'v=0' },
        headers: auth,
      });
      expect([wrongShape.status, codeOf(wrongShape)]).toEqual([400, 'invalid_sdp']);
      const bigSdp = 'v=0\r\n' + 'a=x'.repeat(11_000);
      const big = await api.request('POST', path, {
        json: { type: 'offer', sdp: bigSdp },
        headers: auth,
      });
      expect([big.status, codeOf(big)]).toEqual([413, 'sdp_too_large']);
      const huge = await api.request('POST', path, {
        json: { type: 'offer', sdp: 'x'.repeat(1_000_000) },
        headers: auth,
      });
      expect([huge.status, codeOf(huge)]).toEqual([413, 'payload_too_large']);
      expect(
        (await api.postOffer(session.sessionId, session.token, await audioOffer())).status,
      ).toBe(200);
      await deleteAll([session]);
    });

    it('refuses a malformed session request', async () => {
      const result = await api.request('POST', '/api/sessions', { json: { language: 'klingon' } });
      expect([result.status, codeOf(result)]).toEqual([400, 'invalid_body']);
      const unknownRoute = await api.request('GET', '/api/nothing-here', {});
      expect([unknownRoute.status, codeOf(unknownRoute)]).toEqual([404, 'not_found']);
    });
  });

  describe('the signaling WebSocket', () => {
    it('answers malformed messages with an error message and stays open', async () => {
      const session = await create();
      const upgrade = await openRawSocket(
        signalingUrl(server.baseUrl, session.sessionId, session.token),
      );
      if (!upgrade.ok) throw new Error(`upgrade refused: ${upgrade.status}`);
      const ws = upgrade.socket;
      ws.send('{not json');
      expect(await ws.waitForMessage((m) => m.type === 'error')).toMatchObject({
        code: 'invalid_json',
      });
      ws.sendJson({ type: 'candidate', candidate: { candidate: 42 } });
      await ws.waitForMessage((m) => m.type === 'error' && m.code === 'invalid_message');
      ws.sendJson({ type: 'hello' });
      await ws.waitForMessage(
        (m) => m.type === 'error' && m.code === 'invalid_message' && ws.errors.length === 3,
      );
      expect(ws.isOpen).toBe(true);
      // The session is unharmed.
      expect(
        (await api.postOffer(session.sessionId, session.token, await audioOffer())).status,
      ).toBe(200);
      ws.close();
      await deleteAll([session]);
    });

    it('closes the socket (1009) on an oversized message, and the session survives', async () => {
      const session = await create();
      const upgrade = await openRawSocket(
        signalingUrl(server.baseUrl, session.sessionId, session.token),
      );
      if (!upgrade.ok) throw new Error(`upgrade refused: ${upgrade.status}`);
      upgrade.socket.send(
        JSON.stringify({ type: 'candidate', candidate: { candidate: 'x'.repeat(64 * 1024) } }),
      );
      expect((await upgrade.socket.waitForClose()).code).toBe(1009);
      const again = await openRawSocket(
        signalingUrl(server.baseUrl, session.sessionId, session.token),
      );
      expect(again.ok).toBe(true);
      if (again.ok) again.socket.close();
      await deleteAll([session]);
    });

    it.each([
      ['a foreign host', () => 'https://evil.example'],
      ['the server’s own host and port over https', (own: URL) => `https://${own.host}`],
      ['the server’s own host on another port', (own: URL) => `http://${own.hostname}:1`],
    ])('refuses an Origin of %s with 403 on the WebSocket and the event stream', async (_, of) => {
      const origin = of(new URL(server.baseUrl));
      const session = await create();
      const ws = await openRawSocket(
        signalingUrl(server.baseUrl, session.sessionId, session.token),
        { origin },
      );
      expect(ws.ok ? 'upgraded' : [ws.status, ws.error?.code]).toEqual([403, 'forbidden_origin']);
      const sse = await SseClient.connect(server.baseUrl, session.sessionId, session.token, {
        origin,
      });
      expect(sse.status).toBe(403);
      const same = await openRawSocket(
        signalingUrl(server.baseUrl, session.sessionId, session.token),
        {
          origin: server.baseUrl,
        },
      );
      expect(same.ok).toBe(true);
      if (same.ok) same.socket.close();
      await deleteAll([session]);
    });
  });

  describe('admission', () => {
    it(`admits at most MAX_SESSIONS, then answers 503 with Retry-After and allocates nothing`, async () => {
      const held: CreateSessionResponse[] = [];
      for (let i = 0; i < MAX_SESSIONS; i++) held.push(await create());
      const refused = await api.request('POST', '/api/sessions', { json: {} });
      expect([refused.status, codeOf(refused)]).toEqual([503, 'too_many_sessions']);
      expect(Number(refused.headers.get('retry-after') ?? NaN)).toBeGreaterThan(0);
      const ready = await api.readyz();
      expect(ready.data?.status).toBe('ready');
      await api.deleteSession(held[0].sessionId, held[0].token);
      const next = await api.createSession();
      expect(next.status).toBe(201);
      if (next.ok) held.push(next.data);
      await deleteAll(held.slice(1));
    });
  });

  describe('rate limiting', () => {
    it('answers 429 with Retry-After past SESSION_RATE_LIMIT_PER_MINUTE', async () => {
      const limited = await startServer({
        OPENAI_API_KEY: API_KEY,
        OPENAI_BASE_URL: fake.baseUrl,
        SESSION_RATE_LIMIT_PER_MINUTE: '3',
      });
      try {
        const limitedApi = new ApiClient(limited.baseUrl);
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await limitedApi.createSession()).status);
        const refused = await limitedApi.request('POST', '/api/sessions', { json: {} });
        expect(statuses).toEqual([201, 201, 201]);
        expect([refused.status, codeOf(refused)]).toEqual([429, 'rate_limited']);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await limited.stop();
      }
    });
  });

  describe('configuration', () => {
    it('refuses to start with a bad variable, naming it', async () => {
      const { code, output } = await runServerToExit({ PORT: 'eighty', ICE_PORT_RANGE: '9-1' });
      expect(code).toBe(1);
      expect(output).toContain('PORT');
      expect(output).toContain('ICE_PORT_RANGE');
      expect(output).not.toMatch(/at .*\.js:\d+/);
    });

    it('starts without an engine but is not ready, and says why', async () => {
      // auto, with no OpenAI settings and no offline model where it looks for one
      const bare = await startServer({
        SPHINX_MODEL_DIR: '/nonexistent',
        WHISPER_MODELS_DIR: '/nonexistent',
      });
      try {
        const bareApi = new ApiClient(bare.baseUrl);
        const ready = await bareApi.readyz();
        expect(ready.status).toBe(503);
        expect(ready.data).toMatchObject({ status: 'not-ready', engine: null });
        expect(ready.data?.reason).toMatch(/OPENAI_API_KEY/);
        expect(ready.data?.reason).toMatch(/apt-get install pocketsphinx/);
        const refused = await bareApi.createSession();
        expect([refused.status, !refused.ok && codeOf(refused)]).toEqual([503, 'no_engine']);
        expect((await bareApi.request('GET', '/healthz', {})).status).toBe(200);
      } finally {
        await bare.stop();
      }
    });
  });
});
