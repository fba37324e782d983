import { request as httpRequest } from 'node:http';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import {
  makeTestCertificate,
  RunningServer,
  runServerToExit,
  startServer,
  trustingFetch,
  type TestCertificate,
} from '@whisperstream/server-harness';
import { CreateSessionResponseSchema } from '@whisperstream/shared-types';
import WebSocket from 'ws';

const API_KEY = 'sk-test-tls';

describe('HTTPS in the server itself (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  let certificate: TestCertificate;
  let fake: FakeOpenAiServer;
  let server: RunningServer;
  let fetchTls: typeof fetch;

  beforeAll(async () => {
    certificate = makeTestCertificate();
    fetchTls = trustingFetch(certificate.cert);
    fake = await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    server = await startServer({
      ...certificate.env,
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
    });
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    certificate?.remove();
  });

  it('says where it listens with https, and serves the API over TLS', async () => {
    expect(server.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const listening = await server.waitForLog((line) => line.msg === 'listening');
    expect(listening['url']).toMatch(/^https:\/\//);
    const health = await fetchTls(`${server.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('is refused by a client that does not trust its certificate', async () => {
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
  });

  it('does not answer plain HTTP on its port', async () => {
    const answer = await new Promise<string>((resolve) => {
      const req = httpRequest(`http://127.0.0.1:${server.port}/healthz`, (res) =>
        resolve(`status ${res.statusCode}`),
      );
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    expect(answer).not.toBe('status 200');
  });

  it('creates a session over HTTPS and opens its signaling socket over wss://', async () => {
    const created = await fetchTls(`${server.baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(201);
    const session = CreateSessionResponseSchema.parse(await created.json());
    const url = `${server.baseUrl.replace('https', 'wss')}/ws?sessionId=${session.sessionId}&token=${session.token}`;
    const socket = new WebSocket(url, { ca: certificate.cert });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.close();
    const deleted = await fetchTls(`${server.baseUrl}/api/sessions/${session.sessionId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(deleted.status).toBe(204);
  });

  it('will not start with one TLS file only, or one it cannot read, and names it', async () => {
    const half = await runServerToExit({ TLS_CERT_FILE: certificate.certFile });
    expect(half.code).toBe(1);
    expect(half.output).toContain('TLS_KEY_FILE');
    const missing = await runServerToExit({
      TLS_CERT_FILE: '/nonexistent/cert.pem',
      TLS_KEY_FILE: certificate.keyFile,
    });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(
      /TLS_CERT_FILE: cannot read \/nonexistent\/cert\.pem \(ENOENT\)/,
    );
  });
});
