import { connect } from 'node:net';
import { ApiClient } from '@whisperstream/webrtc-client';
import { Deadline } from '../findings';
import { httpCase, type HttpCase } from '../http-cases';
import { Rng } from '../rng';
import { errorCodeOf, preview, type TargetContext } from './context';

const REQUEST_TIMEOUT_MS = 10_000;
/** A session without an offer ends after OFFER_TIMEOUT_MS (30 s): use a fresh one before. */
const SESSION_MAX_MS = 20_000;

interface Answer {
  /** The HTTP status, or why there was none. */
  status: number | 'timeout' | 'network-error' | 'client-refused' | 'closed';
  text: string;
  detail?: string;
}

/**
 * Query strings, bodies, headers and methods on every route; a few requests written byte by
 * byte. No 5xx and no hang, ever; a 4xx has the contract's error body; the rules a case names
 * (a repeated parameter is 400 invalid_query, a foreign Origin 403, ...) hold.
 */
export async function fuzzHttp(ctx: TargetContext): Promise<void> {
  const { tally, budget, seed } = ctx;
  const deadline = new Deadline(budget.seconds);
  let api = new ApiClient(ctx.sut.baseUrl);
  let session: { sessionId: string; token: string; at: number } | null = null;

  let index = 0;
  for (; index < budget.count && !deadline.passed; index++) {
    if (session && Date.now() - session.at > SESSION_MAX_MS) {
      await api.deleteSession(session.sessionId, session.token).catch(() => undefined);
      session = null;
    }
    if (!session) {
      const created = await api.createSession({ language: 'en' }).catch(() => null);
      session = created?.ok ? { ...created.data, at: Date.now() } : null;
      if (!session) {
        tally.stat('session-create-failed');
        if (!(await ctx.checkAlive(index, 'creating a session')))
          api = new ApiClient(ctx.sut.baseUrl);
        continue;
      }
    }
    const rng = Rng.derive(seed, 'http', index);
    const c = httpCase(rng);
    const fill = (text: string) =>
      text
        .replaceAll('{id}', session?.sessionId ?? '')
        .replaceAll('{token}', session?.token ?? '')
        .replaceAll('{host}', ctx.sut.host);
    const input = `${c.kind} ${c.method} ${preview(c.raw ?? c.path, 200)}${c.body !== undefined ? ` body ${preview(c.body, 80)}` : ''}`;
    const answer = c.raw
      ? await rawRequest(ctx.sut.host, fill(c.raw), c.sse === true)
      : await send(ctx.sut.baseUrl, c, fill);
    tally.result.count++;
    tally.status(answer.status);
    judge(ctx, c, answer, index, input);
    if (!(await ctx.checkAlive(index, input, c.raw ?? `${c.method} ${c.path}\n${c.body ?? ''}`))) {
      api = new ApiClient(ctx.sut.baseUrl);
      session = null;
      continue;
    }
    if (c.createsSession && answer.status === 201) {
      const created = JSON.parse(answer.text) as { sessionId: string; token: string };
      await api.deleteSession(created.sessionId, created.token).catch(() => undefined);
      tally.stat('sessions-created');
    }
    if (c.mayEndSession && answer.status === 204) {
      tally.stat('session-deleted');
      session = null;
    }
  }
  if (session) await api.deleteSession(session.sessionId, session.token).catch(() => undefined);
  tally.finish(index >= budget.count ? 'count' : 'time');
}

function judge(
  ctx: TargetContext,
  c: HttpCase,
  answer: Answer,
  index: number,
  input: string,
): void {
  const { tally } = ctx;
  const raw =
    c.raw ?? `${c.method} ${c.path}${c.body !== undefined ? `\n\n${c.body.slice(0, 2000)}` : ''}`;
  if (answer.status === 'timeout') {
    tally.find({
      kind: 'hang',
      caseIndex: index,
      input,
      detail: `no answer in ${REQUEST_TIMEOUT_MS} ms`,
      raw,
    });
    return;
  }
  if (typeof answer.status !== 'number') {
    if (answer.status !== 'client-refused') tally.stat(`no-status:${answer.status}`);
    return;
  }
  const status = answer.status;
  if (status >= 500) {
    tally.find({
      kind: '5xx',
      caseIndex: index,
      input,
      detail: `answered ${status}: ${answer.text.slice(0, 300)}`,
      raw,
    });
  }
  const code = status >= 400 ? errorCodeOf(answer.text) : null;
  if (status >= 400) tally.errorCode(code ?? `(no error body, ${status})`);
  // Node's own HTTP parser refuses some requests before the application sees them (plain text).
  const fromNodeParser =
    c.raw !== undefined || status === 431 || (status === 400 && answer.text === '');
  if (status >= 400 && c.method !== 'HEAD' && !code && !fromNodeParser) {
    tally.find({
      kind: 'error_shape',
      caseIndex: index,
      input,
      detail: `${status} with a body outside the contract: ${answer.text.slice(0, 200)}`,
      raw,
    });
  }
  if (
    c.expect &&
    (status !== c.expect.status || (c.expect.code !== undefined && code !== c.expect.code))
  ) {
    tally.find({
      kind: 'contract',
      caseIndex: index,
      input,
      detail: `answered ${status} ${code ?? ''}; expected ${c.expect.status} ${c.expect.code ?? ''} (${c.expect.rule})`,
      raw,
    });
  }
}

async function send(baseUrl: string, c: HttpCase, fill: (text: string) => string): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.headers)) headers[name] = fill(value);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('timeout', 'TimeoutError')),
    REQUEST_TIMEOUT_MS,
  );
  try {
    const res = await fetch(`${baseUrl}${fill(c.path)}`, {
      method: c.method,
      headers,
      body:
        c.body !== undefined && c.method !== 'GET' && c.method !== 'HEAD'
          ? fill(c.body)
          : undefined,
      redirect: 'manual',
      signal: controller.signal,
    });
    if (
      c.sse &&
      res.status === 200 &&
      (res.headers.get('content-type') ?? '').startsWith('text/event-stream')
    ) {
      await res.body?.cancel();
      return { status: 200, text: '' };
    }
    return { status: res.status, text: await res.text() };
  } catch (error) {
    const e = error as Error & { cause?: unknown };
    if (controller.signal.aborted) return { status: 'timeout', text: '' };
    // fetch refuses some requests itself (a header value that is not Latin-1, a bad URL).
    if (e.cause === undefined || /header|URL|Request/i.test(e.message))
      return { status: 'client-refused', text: '', detail: e.message };
    return { status: 'network-error', text: '', detail: String(e.cause) };
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `text` over TCP and reads the status line (then hangs up on an event stream). */
function rawRequest(host: string, text: string, sse: boolean): Promise<Answer> {
  const [hostname, port] = [
    host.slice(0, host.lastIndexOf(':')),
    Number(host.slice(host.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    let received = '';
    let settled = false;
    const socket = connect({ host: hostname, port });
    const done = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done({ status: 'timeout', text: received }), REQUEST_TIMEOUT_MS);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(Buffer.from(text, 'latin1')));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      const headersEnd = received.indexOf('\r\n\r\n');
      if (!status || headersEnd < 0) return;
      // A kept-alive connection stays open: the answer is complete at its Content-Length.
      const length = /\r\ncontent-length: *(\d+)/i.exec(received.slice(0, headersEnd));
      const body = received.slice(headersEnd + 4);
      if (sse || (length && body.length >= Number(length[1]))) {
        done({ status: Number(status[1]), text: sse ? '' : body });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      const body = received.slice(received.indexOf('\r\n\r\n') + 4);
      done(
        status ? { status: Number(status[1]), text: body } : { status: 'closed', text: received },
      );
    });
  });
}
