import { setTimeout as sleep } from 'node:timers/promises';
import type { RawRtpFields } from '@whisperstream/webrtc-client';
import { Deadline } from '../findings';
import { hostileAction, type HostileAction, type HostilePacket } from '../hostile-rtp';
import { finishLive, openLive, type LiveSession } from '../live';
import { Rng } from '../rng';
import { pipelineLogOf } from '../server';
import type { TargetContext } from './context';

/** Hostile packets per live session (each session then has to transcribe valid speech). */
const PACKETS_PER_ROUND = 150;
const FRAME_MS = 20;

/**
 * Authenticated RTP with hostile headers and payloads through a connected werift peer (so SRTP
 * is right and the server parses what it decrypts): sequence and timestamp jumps, a restarted
 * sequence, CSRCs, header extensions, padding, other payload types and SSRCs, empty, huge and
 * garbage Opus payloads, duplicates, bursts above real time. Then valid speech: the session
 * must still transcribe it, deliver every event and end.
 */
export async function fuzzRtp(ctx: TargetContext): Promise<void> {
  const { tally, budget, seed } = ctx;
  const deadline = new Deadline(budget.seconds);
  const silence = (ms: number) => Array<Buffer>(Math.ceil(ms / FRAME_MS)).fill(ctx.audio.silence);
  let sent = 0;
  let round = 0;
  for (; sent < budget.count && !deadline.passed; round++) {
    const rng = Rng.derive(seed, 'rtp', round);
    const actions: HostileAction[] = [];
    let planned = 0;
    const limit = Math.min(PACKETS_PER_ROUND, budget.count - sent);
    while (planned < limit) {
      const action = hostileAction(rng, ctx.audio.short);
      // The last action is cut to the count (a burst keeps being a burst, only shorter).
      action.packets = action.packets.slice(0, limit - planned);
      actions.push(action);
      planned += action.packets.length;
    }
    const input = `rtp round ${round}: ${actions.map((a) => a.kind).join(', ')}`;
    let live: LiveSession;
    try {
      live = await openLive(ctx.sut.baseUrl);
    } catch (error) {
      tally.find({
        kind: 'note',
        caseIndex: round,
        input,
        detail: `could not set up the live session: ${(error as Error).message.slice(0, 300)}`,
      });
      if (!(await ctx.checkAlive(round, input))) continue;
      break;
    }
    // Segments up to this one belong to the hostile part; the speech after it must get a final.
    let mark = -1;
    try {
      await live.streamer.stream(silence(300));
      for (const action of actions) {
        sent += await sendAction(live, action);
        tally.stat(`action:${action.kind.replace(/\(.*$/, '')}`);
        await live.streamer.stream(silence(rng.int(2, 5) * FRAME_MS));
        if (!ctx.sut.alive) break;
      }
      tally.result.count = sent;
      // Let the VAD end whatever the garbage started, then the speech that must be transcribed.
      await live.streamer.stream(silence(1500));
      mark = lastSegment(live);
      await live.streamer.stream([...ctx.audio.short, ...silence(1000)]);
    } catch (error) {
      tally.find({
        kind: 'session_lost',
        caseIndex: round,
        input,
        detail: `streaming failed: ${(error as Error).message.slice(0, 300)}`,
      });
    }
    await judgeRound(ctx, live, round, input, mark);
    if (!(await ctx.checkAlive(round, input))) continue;
  }
  tally.stat('rounds', round);
  tally.finish(sent >= budget.count ? 'count' : 'time');
}

async function sendAction(live: LiveSession, action: HostileAction): Promise<number> {
  const { streamer } = live;
  const baseSeq = streamer.nextSequenceNumber;
  const baseTs = streamer.nextTimestamp;
  let sent = 0;
  for (const packet of action.packets) {
    await streamer.writeRawRtp(fieldsOf(packet, baseSeq, baseTs), packet.payload).catch(() => 0);
    sent++;
    if (action.paced) await sleep(FRAME_MS);
  }
  return sent;
}

function fieldsOf(packet: HostilePacket, baseSeq: number, baseTs: number): RawRtpFields {
  return {
    sequenceNumber:
      packet.seqOffset === undefined ? undefined : (baseSeq + packet.seqOffset) & 0xffff,
    timestamp: packet.tsOffset === undefined ? undefined : (baseTs + packet.tsOffset) >>> 0,
    payloadType: packet.payloadType,
    ssrc: packet.ssrc,
    marker: packet.marker,
    csrc: packet.csrc,
    extensions: packet.extensions,
    extensionProfile: packet.extensionProfile,
    padding: packet.padding,
  };
}

function lastSegment(live: LiveSession): number {
  return Math.max(
    -1,
    ...live.sse.events.flatMap((e) => (e.type === 'speech-start' ? [e.data.segmentId] : [])),
  );
}

/** Ends the session and checks it: every event, `end`, the valid speech transcribed. */
async function judgeRound(
  ctx: TargetContext,
  live: LiveSession,
  round: number,
  input: string,
  mark: number,
): Promise<void> {
  const { tally } = ctx;
  const outcome = await finishLive(live);
  const pipeline = pipelineLogOf(ctx.sut.server.logs, live.sessionId);
  for (const key of [
    'received',
    'ignored',
    'lost',
    'late',
    'duplicates',
    'resyncs',
    'rateLimited',
    'decodeErrors',
    'timestampJumps',
  ] as const) {
    const value = pipeline?.[key];
    if (typeof value === 'number') tally.stat(`pipeline:${key}`, value);
  }
  if (!ctx.sut.alive) return; // the crash is recorded by checkAlive
  if (outcome.violations.length > 0) {
    tally.find({
      kind: 'lost_event',
      caseIndex: round,
      input,
      detail: `event stream broke the contract: ${outcome.violations.join('; ').slice(0, 300)}`,
    });
  }
  if (!outcome.ended)
    tally.find({
      kind: 'lost_event',
      caseIndex: round,
      input,
      detail: 'no `end` event within 30 s of DELETE',
    });
  if (outcome.errorEvents.length > 0) {
    tally.find({
      kind: 'session_lost',
      caseIndex: round,
      input,
      detail: `the server ended the session: ${outcome.errorEvents.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
    });
  }
  const later = outcome.finals.filter((f) => f.segmentId > mark && f.text.trim() !== '');
  tally.stat('finals', outcome.finals.length);
  if (later.length === 0) {
    tally.find({
      kind: 'deaf',
      caseIndex: round,
      input,
      detail: `the valid speech after the hostile packets got no final (finals: ${outcome.finals.map((f) => `#${f.segmentId} ${f.text}`).join(' | ') || 'none'}; pipeline ${JSON.stringify(pipeline ?? {})})`,
    });
  }
}
