import {
  ApiClient,
  openRawSocket,
  signalingUrl,
  type RawSocket,
} from '@whisperstream/webrtc-client';
import { Deadline } from '../findings';
import { Rng } from '../rng';
import { normaliseOffer } from '../sdp-mutations';
import { isSentinelAnswer, sentinelFrame, wsCase, type WsCase } from '../ws-messages';
import { iceUfrag } from '../live';
import { preview, RateWindow, type TargetContext } from './context';
import { weriftOffer } from './sdp';

/** The server closes a socket past 200 messages a second: stay well under it. */
const PACE = { limit: 150, windowMs: 1100 };
const ANSWER_TIMEOUT_MS = 5000;
/** A session whose offer got no connection ends after CONNECT_TIMEOUT_MS (20 s): move on before. */
const SESSION_MAX_MS = 12_000;
const SESSION_MAX_CASES = 400;

interface Signaling {
  api: ApiClient;
  sessionId: string;
  token: string;
  socket: RawSocket;
  openedAt: number;
  cases: number;
}

/**
 * Messages on `/ws` of a session whose offer was answered (so candidates are judged): each case
 * is followed by a sentinel (a candidate refused with a reason naming it), so the answers
 * between two sentinels are the case's. Every malformed message must get one `error`; a valid
 * one none; an impossible candidate an error (issue 11, 6); the socket must stay usable.
 */
export async function fuzzWs(ctx: TargetContext): Promise<void> {
  const { tally, budget, seed } = ctx;
  const deadline = new Deadline(budget.seconds);
  const offer = normaliseOffer(await weriftOffer(), Rng.derive(seed, 'ws', 'offer'));
  const ufrag = iceUfrag(offer) ?? '';
  const pace = new RateWindow(PACE.limit, PACE.windowMs);
  let sentinel = 0;
  let misses = 0;
  let current: Signaling | null = null;

  await upgradeProbes(ctx);

  const open = async (): Promise<Signaling | null> => {
    const api = new ApiClient(ctx.sut.baseUrl);
    const created = await api.createSession({ language: 'en' }).catch(() => null);
    if (!created?.ok) return null;
    const answer = await api
      .postOffer(created.data.sessionId, created.data.token, offer)
      .catch(() => null);
    if (!answer?.ok) {
      tally.find({
        kind: 'contract',
        caseIndex: -1,
        input: 'a clean werift offer',
        detail: `refused: ${answer?.status} ${answer?.ok === false ? answer.text.slice(0, 200) : ''}`,
      });
      return null;
    }
    const socket = await reopen(ctx, created.data.sessionId, created.data.token);
    return socket ? { api, ...created.data, socket, openedAt: Date.now(), cases: 0 } : null;
  };
  const close = async (s: Signaling | null) => {
    if (!s) return;
    s.socket.close();
    await s.api.deleteSession(s.sessionId, s.token).catch(() => undefined);
  };

  let index = 0;
  for (; tally.result.count < budget.count && !deadline.passed; index++) {
    if (
      current &&
      (Date.now() - current.openedAt > SESSION_MAX_MS || current.cases >= SESSION_MAX_CASES)
    ) {
      await close(current);
      current = null;
    }
    current ??= await open();
    if (!current) {
      await ctx.checkAlive(index, 'opening a session');
      continue;
    }
    const rng = Rng.derive(seed, 'ws', index);
    const c = wsCase(rng, { ufrag, sinkPort: ctx.sinkPort });
    const input = `${c.kind}: ${preview(c.frames[0].data)}${c.frames.length > 1 ? ` (+${c.frames.length - 1} more)` : ''}`;
    current.cases++;
    tally.result.count += c.frames.length;
    tally.stat(`case:${c.kind.replace(/\(.*|-\d+$/, '')}`);
    const outcome = await runCase(current.socket, c, pace, ++sentinel);
    for (const code of outcome.codes) tally.errorCode(code);
    if (outcome.problem?.kind === 'hang' && current.socket.isOpen) {
      // Is the socket dead, or was only the sentinel (an impossible candidate) not refused?
      if (await answersMalformed(current.socket, pace)) {
        outcome.problem = {
          kind: 'contract',
          detail:
            'the socket answers, but an impossible candidate (the sentinel: foundation "!s…") got no error: candidates that cannot be valid are accepted silently (issue 11, 6)',
        };
      }
    }
    misses =
      outcome.problem && ['hang', 'contract'].includes(outcome.problem.kind) && !outcome.answered
        ? misses + 1
        : 0;
    const raw =
      c.frames.length === 1 && typeof c.frames[0].data === 'string' ? c.frames[0].data : undefined;
    if (outcome.problem) {
      tally.find({
        kind: outcome.problem.kind,
        caseIndex: index,
        input,
        detail: outcome.problem.detail + (c.rule ? ` (rule: ${c.rule})` : ''),
        raw,
      });
    }
    if (misses >= 3) {
      ctx.log('ws: three sentinels in a row were not answered; stopping the target');
      tally.stat('stopped-unanswered');
      break;
    }
    if (!(await ctx.checkAlive(index, input, raw))) {
      current = null;
      continue;
    }
    if (!current.socket.isOpen) {
      tally.stat('socket-reopened');
      const socket = await reopen(ctx, current.sessionId, current.token);
      if (socket) current.socket = socket;
      else {
        await close(current);
        current = null;
      }
    }
  }
  await close(current);
  tally.finish(tally.result.count >= budget.count ? 'count' : 'time');
}

interface CaseOutcome {
  codes: string[];
  /** Whether the sentinel after the case was answered. */
  answered?: boolean;
  problem?: { kind: 'hang' | 'contract' | 'session_lost'; detail: string };
}

async function runCase(
  socket: RawSocket,
  c: WsCase,
  pace: RateWindow,
  sentinel: number,
): Promise<CaseOutcome> {
  const before = socket.received.length;
  await pace.take(c.frames.length + 1);
  for (const frame of c.frames) {
    socket.ws.send(frame.data, { binary: frame.binary ?? typeof frame.data !== 'string' });
  }
  if (c.expect === 'close') {
    const closed = await socket.waitForClose(ANSWER_TIMEOUT_MS).catch(() => null);
    if (!closed)
      return {
        codes: [],
        problem: {
          kind: 'contract',
          detail: `the socket stayed open; expected a close ${c.closeCode}`,
        },
      };
    if (closed.code !== c.closeCode) {
      return {
        codes: [],
        problem: {
          kind: 'contract',
          detail: `closed ${closed.code} ${closed.reason}; expected ${c.closeCode}`,
        },
      };
    }
    return { codes: [`close:${closed.code}`], answered: true };
  }
  socket.ws.send(sentinelFrame(sentinel).data);
  const answered = await waitForSentinel(socket, sentinel);
  const received = socket.received.slice(before);
  const violations = received.filter((r) => !r.message);
  const errors = received.flatMap((r) => (r.message?.type === 'error' ? [r.message] : []));
  const sentinelAt = errors.findIndex((e) => isSentinelAnswer(e.message, sentinel));
  const answers = sentinelAt >= 0 ? errors.slice(0, sentinelAt) : errors;
  const codes = answers.map((e) => e.code);
  if (violations.length > 0) {
    return {
      codes,
      answered,
      problem: {
        kind: 'contract',
        detail: `answered outside the contract: ${violations.map((v) => `${v.violation}: ${v.raw.slice(0, 100)}`).join('; ')}`,
      },
    };
  }
  if (!answered) {
    const closed = socket.closeInfo;
    return closed
      ? {
          codes,
          problem: {
            kind: 'session_lost',
            detail: `the socket was closed (${closed.code} ${closed.reason}) instead of answering`,
          },
        }
      : {
          codes,
          problem: {
            kind: 'hang',
            detail: `no answer to the message after it within ${ANSWER_TIMEOUT_MS} ms`,
          },
        };
  }
  const want = c.frames.length;
  const done = { codes, answered: true };
  if (c.expect === 'error' && answers.length !== want) {
    return {
      ...done,
      problem: {
        kind: 'contract',
        detail: `${answers.length} error answer(s) to ${want} malformed message(s): ${codes.join(', ') || 'none'}`,
      },
    };
  }
  if (c.expect === 'none' && answers.length > 0) {
    return {
      ...done,
      problem: {
        kind: 'contract',
        detail: `a valid message was refused: ${answers
          .map((a) => `${a.code}: ${a.message}`)
          .join('; ')
          .slice(0, 300)}`,
      },
    };
  }
  return done;
}

/** Sends `{}` and waits for its `invalid_message`: does the socket still answer at all? */
async function answersMalformed(socket: RawSocket, pace: RateWindow): Promise<boolean> {
  const before = socket.received.length;
  await pace.take();
  socket.send('{}');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (
      socket.received
        .slice(before)
        .some((r) => r.message?.type === 'error' && r.message.code === 'invalid_message')
    )
      return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function waitForSentinel(socket: RawSocket, n: number): Promise<boolean> {
  return socket
    .waitForMessage((m) => m.type === 'error' && isSentinelAnswer(m.message, n), ANSWER_TIMEOUT_MS)
    .then(
      () => true,
      () => false,
    );
}

async function reopen(
  ctx: TargetContext,
  sessionId: string,
  token: string,
): Promise<RawSocket | null> {
  const opened = await openRawSocket(signalingUrl(ctx.sut.baseUrl, sessionId, token)).catch(
    () => null,
  );
  if (opened?.ok) return opened.socket;
  ctx.tally.stat('socket-open-refused');
  return null;
}

/** Refused upgrades answer with the JSON error shape and the contract's status (issue 11, 1 and 7). */
async function upgradeProbes(ctx: TargetContext): Promise<void> {
  const api = new ApiClient(ctx.sut.baseUrl);
  const created = await api.createSession().catch(() => null);
  if (!created?.ok) return;
  const { sessionId, token } = created.data;
  const url = new URL(signalingUrl(ctx.sut.baseUrl, sessionId, token));
  const repeated = new URL(url);
  repeated.searchParams.append('token', token);
  const probes: Array<{
    what: string;
    url: string;
    origin?: string;
    status: number;
    code: string;
  }> = [
    { what: 'a repeated token', url: repeated.toString(), status: 400, code: 'invalid_query' },
    {
      what: 'a wrong token',
      url: signalingUrl(ctx.sut.baseUrl, sessionId, `${token}x`),
      status: 401,
      code: 'unauthorized',
    },
    {
      what: 'an https Origin',
      url: url.toString(),
      origin: `https://${ctx.sut.host}`,
      status: 403,
      code: 'forbidden_origin',
    },
    {
      what: 'an unknown session',
      url: signalingUrl(ctx.sut.baseUrl, 'AAAAAAAAAAAAAAAAAAAAAAAA', token),
      status: 404,
      code: 'session_not_found',
    },
  ];
  for (const probe of probes) {
    ctx.tally.stat('upgrade-probes');
    const result = await openRawSocket(probe.url, { origin: probe.origin }).catch(
      (e: unknown) => e as Error,
    );
    const got =
      result instanceof Error
        ? result.message
        : result.ok
          ? 'upgraded'
          : `${result.status} ${result.error?.code ?? `(no JSON error: ${result.body.slice(0, 80)})`}`;
    if (got !== `${probe.status} ${probe.code}`) {
      ctx.tally.find({
        kind: 'contract',
        caseIndex: -1,
        input: `WebSocket upgrade with ${probe.what}`,
        detail: `answered ${got}; expected ${probe.status} ${probe.code} as JSON (issue 11, 1 and 7)`,
      });
    }
    if (!(result instanceof Error) && result.ok) result.socket.close();
  }
  await api.deleteSession(sessionId, token).catch(() => undefined);
}
