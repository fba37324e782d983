import {
  ApiClient,
  disableWeriftDefaultStun,
  installWeriftPatches,
  WebRtcStreamer,
} from '@whisperstream/webrtc-client';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { Deadline } from '../findings';
import { Rng } from '../rng';
import {
  applySdpOps,
  browserLikeOffer,
  describeSdpOps,
  mustRefuseReason,
  mutateSdp,
  normaliseOffer,
  type SdpOp,
} from '../sdp-mutations';
import { errorCodeOf, type TargetContext } from './context';

const OFFER_TIMEOUT_MS = 15_000;
/** Refused offers on one session before a clean offer checks that it is still usable. */
const USABLE_CHECK_EVERY = 40;

/** A real offer from a werift peer (audio, Opus, sendonly), as the fuzz targets start from. */
export async function weriftOffer(): Promise<string> {
  disableWeriftDefaultStun();
  installWeriftPatches();
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    },
    iceUseIpv6: false,
  });
  try {
    pc.addTransceiver('audio', { direction: 'sendonly' });
    return (await pc.createOffer()).sdp;
  } finally {
    await pc.close();
  }
}

interface Session {
  sessionId: string;
  token: string;
  refused: number;
}

/**
 * Mutated offers POSTed to fresh sessions: any 5xx, hang or crash is a defect. A refused offer
 * leaves its session usable (checked now and then with a clean offer); an accepted one is
 * deleted, and a few of them are tried with a real peer ("accepted but unusable" notes).
 */
export async function fuzzSdp(ctx: TargetContext): Promise<void> {
  const { tally, budget, seed, log } = ctx;
  const deadline = new Deadline(budget.seconds);
  // Offers until this one; the rest of the time goes to the connect checks.
  const posting = new Deadline(
    budget.seconds - Math.min(ctx.connectChecks * 1.5, budget.seconds * 0.3),
  );
  const template = normaliseOffer(await weriftOffer(), Rng.derive(seed, 'sdp', 'template'));
  const browser = browserLikeOffer(Rng.derive(seed, 'sdp', 'browser'));
  const accepted: Array<{ index: number; ops: SdpOp[]; base: 'werift' | 'browser' }> = [];
  let session: Session | null = null;
  let api = new ApiClient(ctx.sut.baseUrl);

  const newSession = async (): Promise<Session | null> => {
    const created = await api.createSession({ language: 'en' }).catch(() => null);
    if (!created?.ok) {
      tally.stat('session-create-failed');
      return null;
    }
    return { sessionId: created.data.sessionId, token: created.data.token, refused: 0 };
  };

  let index = 0;
  for (; index < budget.count && !posting.passed; index++) {
    const rng = Rng.derive(seed, 'sdp', index);
    const base = rng.bool(0.75) ? 'werift' : 'browser';
    const { sdp, ops } = mutateSdp(rng, base === 'werift' ? template : browser, ctx.sinkPort);
    const input = `${base} offer + ${describeSdpOps(ops)}`;
    session ??= await newSession();
    if (!session) {
      if (!(await ctx.checkAlive(index, input))) api = new ApiClient(ctx.sut.baseUrl);
      continue;
    }
    const started = Date.now();
    let status: number | string;
    let text = '';
    try {
      const res = await fetch(`${ctx.sut.baseUrl}/api/sessions/${session.sessionId}/offer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
        body: JSON.stringify({ type: 'offer', sdp }),
        signal: AbortSignal.timeout(OFFER_TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
    }
    tally.result.count++;
    tally.status(status);
    tally.stat('post-ms-total', Date.now() - started);
    if (status === 'timeout') {
      tally.find({
        kind: 'hang',
        caseIndex: index,
        input,
        detail: `POST offer had no answer in ${OFFER_TIMEOUT_MS} ms`,
        raw: sdp,
      });
    } else if (typeof status === 'number' && status >= 500) {
      tally.find({
        kind: '5xx',
        caseIndex: index,
        input,
        detail: `POST offer answered ${status}: ${text.slice(0, 300)}`,
        raw: sdp,
      });
    }
    if (!(await ctx.checkAlive(index, input, sdp))) {
      api = new ApiClient(ctx.sut.baseUrl);
      session = null;
      continue;
    }
    if (status === 200) {
      tally.stat('accepted');
      const reason = mustRefuseReason(sdp);
      if (reason) {
        tally.find({
          kind: 'contract',
          caseIndex: index,
          input,
          detail: `an offer that cannot connect (${reason}) was accepted with 200; it must be 400 invalid_sdp (issue 11, 5)`,
          raw: sdp,
        });
      }
      accepted.push({ index, ops, base });
      await api.deleteSession(session.sessionId, session.token).catch(() => undefined);
      session = null;
    } else if (typeof status === 'number') {
      const code = errorCodeOf(text);
      tally.errorCode(code ?? `(no error body, ${status})`);
      if (!code) {
        tally.find({
          kind: 'error_shape',
          caseIndex: index,
          input,
          detail: `${status} with a body outside the contract: ${text.slice(0, 200)}`,
        });
      }
      if (status === 409) {
        // The offer was refused but the session counts it as received: it is no longer usable.
        tally.find({
          kind: 'contract',
          caseIndex: index,
          input,
          detail: `409 after earlier refused offers: ${text.slice(0, 200)}`,
          raw: sdp,
        });
        session = null;
        continue;
      }
      session.refused++;
      if (session.refused >= USABLE_CHECK_EVERY) {
        await checkStillUsable(ctx, api, session, template, index);
        session = null;
      }
    } else {
      session = null;
    }
  }
  if (session) await api.deleteSession(session.sessionId, session.token).catch(() => undefined);
  tally.finish(index >= budget.count ? 'count' : 'time');

  // A few accepted offers, applied to a real peer's offer: does the session then work?
  const checks = accepted.filter((a) => a.ops.length > 0).slice(0, ctx.connectChecks);
  for (const check of checks) {
    if (deadline.passed && check !== checks[0]) break;
    await connectCheck(ctx, check.index, check.ops);
  }
  log(
    `sdp: ${accepted.length} of ${tally.result.count} offers accepted; ${checks.length} tried with a real peer`,
  );
}

/** After refused offers, the session must still take a good one (issue 11, defect 5). */
async function checkStillUsable(
  ctx: TargetContext,
  api: ApiClient,
  session: Session,
  template: string,
  index: number,
): Promise<void> {
  const res = await api
    .postOffer(session.sessionId, session.token, template)
    .catch((e: unknown) => e as Error);
  ctx.tally.stat('usable-checks');
  if (res instanceof Error || res.status !== 200) {
    const detail = res instanceof Error ? res.message : `${res.status} ${res.text.slice(0, 200)}`;
    ctx.tally.find({
      kind: 'contract',
      caseIndex: index,
      input: `a clean offer after ${session.refused} refused ones on the same session`,
      detail: `the session no longer takes a valid offer: ${detail}`,
    });
  }
  await api.deleteSession(session.sessionId, session.token).catch(() => undefined);
}

/** Posts a real peer's offer with the same mutations and tries to connect. */
async function connectCheck(ctx: TargetContext, index: number, ops: SdpOp[]): Promise<void> {
  const api = new ApiClient(ctx.sut.baseUrl);
  const created = await api.createSession({ language: 'en' }).catch(() => null);
  if (!created?.ok) return;
  const streamer = new WebRtcStreamer({
    baseUrl: ctx.sut.baseUrl,
    session: created.data,
    api,
    connectTimeoutMs: 8000,
    transformOffer: (sdp) => applySdpOps(sdp, ops),
  });
  ctx.tally.stat('connect-checks');
  try {
    await streamer.connect();
    ctx.tally.stat('connect-checks-connected');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/POST offer answered 4\d\d/.test(message)) {
      ctx.tally.stat('connect-checks-refused');
    } else {
      ctx.tally.find({
        kind: 'accepted_unusable',
        caseIndex: index,
        input: describeSdpOps(ops),
        detail: `accepted with 200, then did not connect: ${message.slice(0, 300)}`,
      });
    }
  } finally {
    await streamer.close();
    await api.deleteSession(created.data.sessionId, created.data.token).catch(() => undefined);
  }
}
