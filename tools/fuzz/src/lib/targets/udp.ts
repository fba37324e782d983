import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { isLoopbackHost } from '@whisperstream/loadgen';
import { datagram } from '../datagrams';
import { Deadline } from '../findings';
import {
  finishLive,
  iceUfrag,
  openLive,
  serverLoopbackPort,
  type LiveOutcome,
  type LiveSession,
} from '../live';
import { Rng } from '../rng';
import { pipelineLogOf } from '../server';
import type { TargetContext } from './context';

const TARGET_HOST = '127.0.0.1';

/**
 * Datagrams at the server's ICE port (learnt from its trickled candidates) from another socket
 * on 127.0.0.1, while a live session streams speech: random bytes, STUN with a plausible
 * USERNAME and a bad MESSAGE-INTEGRITY, DTLS records, RTP and RTCP from a stranger. The session
 * must still get every event, the same finals as a clean run, and its `end`.
 */
export async function fuzzUdp(ctx: TargetContext): Promise<void> {
  const { tally, budget, log } = ctx;
  const deadline = new Deadline(budget.seconds);
  const program = [
    ...Array<Buffer>(25).fill(ctx.audio.silence),
    ...ctx.audio.long,
    ...Array<Buffer>(50).fill(ctx.audio.silence),
  ];

  // The same audio without fire, for the finals to compare with.
  const clean = await playRound(ctx, program, null);
  if (!clean) return void tally.finish('error');
  tally.stat('clean-finals', clean.outcome.finals.length);
  log(
    `udp: clean run: ${clean.outcome.finals.length} finals (${clean.outcome.finals.map((f) => f.text).join(' | ')})`,
  );

  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, TARGET_HOST, resolve));
  socket.on('error', () => tally.stat('send-errors'));
  let index = 0;
  let round = 0;
  try {
    while (index < budget.count && !deadline.passed) {
      const fire = { socket, start: index, limit: budget.count, sent: 0 };
      const played = await playRound(ctx, program, fire, round);
      index += fire.sent;
      if (!played) break;
      compare(ctx, clean.outcome, played, round, fire.start);
      round++;
      if (
        !(await ctx.checkAlive(
          index,
          `udp round ${round - 1} (datagrams ${fire.start}..${index - 1})`,
        ))
      )
        continue;
    }
  } finally {
    socket.close();
  }
  tally.stat('rounds', round);
  tally.finish(index >= budget.count ? 'count' : 'time');
}

interface Fire {
  socket: Socket;
  /** Index of the first datagram of this round (each datagram's generator is seeded by it). */
  start: number;
  limit: number;
  sent: number;
}

interface Round {
  outcome: LiveOutcome;
  sessionId: string;
  /** RTP packets the server lost or got too late (from its pipeline log line). */
  lost: number;
}

async function playRound(
  ctx: TargetContext,
  program: Buffer[],
  fire: Fire | null,
  round = -1,
): Promise<Round | null> {
  let live: LiveSession;
  try {
    live = await openLive(ctx.sut.baseUrl);
  } catch (error) {
    ctx.tally.find({
      kind: 'note',
      caseIndex: fire?.start ?? -1,
      input: `udp round ${round}`,
      detail: `could not set up the live session: ${(error as Error).message.slice(0, 300)}`,
    });
    return null;
  }
  const port = serverLoopbackPort(live.streamer);
  const streaming = live.streamer.stream(program);
  if (fire && port !== undefined) {
    const context = {
      serverUfrag: iceUfrag(live.streamer.pc?.remoteDescription?.sdp ?? '') ?? '',
      clientUfrag: iceUfrag(live.streamer.pc?.localDescription?.sdp ?? '') ?? '',
      clientSsrc: live.streamer.transceiver?.sender.ssrc ?? 0,
    };
    let done = false;
    streaming.then(
      () => (done = true),
      () => (done = true),
    );
    const perTick = Math.max(1, Math.round(ctx.udpRate / 100));
    while (!done && fire.start + fire.sent < fire.limit) {
      for (let k = 0; k < perTick && fire.start + fire.sent < fire.limit; k++) {
        const index = fire.start + fire.sent;
        const d = datagram(Rng.derive(ctx.seed, 'udp', index), context);
        if (!isLoopbackHost(TARGET_HOST)) throw new Error('datagrams only ever go to loopback');
        fire.socket.send(d.data, port, TARGET_HOST);
        fire.sent++;
        ctx.tally.result.count++;
        ctx.tally.stat(`datagram:${d.kind}`);
      }
      await sleep(10);
    }
  } else if (fire) {
    ctx.tally.find({
      kind: 'note',
      caseIndex: fire.start,
      input: `udp round ${round}`,
      detail: 'the server trickled no host candidate on 127.0.0.1',
    });
  }
  await streaming.catch(() => undefined);
  await sleep(300);
  const outcome = await finishLive(live);
  const pipeline = await pipelineLogOf(ctx.sut, live.sessionId);
  if (pipeline) {
    ctx.tally.stat('rtp-received', pipeline.received ?? 0);
    ctx.tally.stat('rtp-lost', pipeline.lost ?? 0);
  }
  return {
    outcome,
    sessionId: live.sessionId,
    lost: (pipeline?.lost ?? 0) + (pipeline?.late ?? 0),
  };
}

function compare(
  ctx: TargetContext,
  clean: LiveOutcome,
  round: Round,
  index: number,
  first: number,
): void {
  const { tally } = ctx;
  const { outcome } = round;
  const input = `udp round ${index}: datagrams ${first}.. during a live session`;
  tally.stat('finals', outcome.finals.length);
  if (outcome.violations.length > 0) {
    tally.find({
      kind: 'lost_event',
      caseIndex: first,
      input,
      detail: `event stream broke the contract: ${outcome.violations.join('; ').slice(0, 300)}`,
    });
  }
  if (!outcome.ended) {
    tally.find({
      kind: 'lost_event',
      caseIndex: first,
      input,
      detail: 'no `end` event within 30 s of DELETE',
    });
  }
  if (outcome.errorEvents.length > 0) {
    tally.find({
      kind: 'session_lost',
      caseIndex: first,
      input,
      detail: `the server ended the session: ${outcome.errorEvents.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
    });
  }
  const { lost } = round;
  if (outcome.finals.length < clean.finals.length) {
    tally.find({
      kind: lost > 0 ? 'note' : 'lost_event',
      caseIndex: first,
      input,
      detail: `${outcome.finals.length} finals where the clean run had ${clean.finals.length}${lost > 0 ? ` (the server lost ${lost} RTP packets: the flood cost audio)` : ''}`,
    });
  } else if (
    outcome.finals.map((f) => f.text).join('|') !== clean.finals.map((f) => f.text).join('|')
  ) {
    tally.find({
      kind: 'note',
      caseIndex: first,
      input,
      detail: `finals differ from the clean run: ${outcome.finals.map((f) => f.text).join(' | ')}`,
    });
  }
}
