import { ClientMessageSchema, MAX_WS_MESSAGE_BYTES } from '@whisperstream/shared-types';
import type { Rng } from './rng';
import { deepJson, EDGE_NUMBERS, hostileText, randomJson, TEXT_KINDS } from './values';

/**
 * What the server must do with a case's frames:
 * - `error`: answer each frame with one `error` message (a malformed message);
 * - `none`: accept it quietly (a valid message);
 * - `either`: an error or nothing (a candidate the rules may or may not take);
 * - `close`: close the socket with `closeCode` (a frame the WebSocket layer refuses).
 */
export type WsExpectation = 'error' | 'none' | 'either' | 'close';

export interface WsFrame {
  data: string | Buffer;
  /** Sent as a binary frame (default: text; a Buffer sent as text may be invalid UTF-8). */
  binary?: boolean;
}

export interface WsCase {
  kind: string;
  frames: WsFrame[];
  expect: WsExpectation;
  closeCode?: number;
  /** Why an expectation holds, when it is a contract rule (e.g. issue 11, defect 6). */
  rule?: string;
}

/** What the generator needs to know about the session the messages go to. */
export interface WsContext {
  /** The offer's ICE ufrag (a candidate naming another one is refused). */
  ufrag: string;
  /** A UDP port on 127.0.0.1 that the fuzzer owns: valid candidates point here only. */
  sinkPort: number;
}

/** The frame that every case is followed by: a candidate refused with a reason naming `n`. */
export function sentinelFrame(n: number): WsFrame {
  return {
    data: JSON.stringify({
      type: 'candidate',
      candidate: { candidate: `candidate:!s${n} 1 udp 1 127.0.0.1 9 typ host`, sdpMid: '0' },
    }),
  };
}

/** Whether an error message is the answer to sentinel `n`. */
export function isSentinelAnswer(message: string, n: number): boolean {
  return message.includes(`"!s${n}"`);
}

/** A valid candidate line pointing at the fuzzer's own UDP port on loopback. */
export function validCandidateLine(ctx: WsContext, extra = ''): string {
  return `candidate:1 1 udp 2130706431 127.0.0.1 ${ctx.sinkPort} typ host${extra}`;
}

interface CandidateCase {
  line: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
  expect: WsExpectation;
  kind: string;
  rule?: string;
}

const REFUSE_RULE = 'a candidate that cannot be valid is answered with an error (issue 11, 6)';

/** Candidate line mutations: fields, ports, IPs, ufrags, sdpMid and sdpMLineIndex. */
function candidateCase(rng: Rng, ctx: WsContext): CandidateCase {
  const fields = ['1', '1', 'udp', '2130706431', '127.0.0.1', String(ctx.sinkPort), 'typ', 'host'];
  const set = (index: number, value: string) => {
    fields[index] = value;
    return `candidate:${fields.join(' ')}`;
  };
  const refuse = (
    kind: string,
    line: string,
    extra: Partial<CandidateCase> = {},
  ): CandidateCase => ({
    kind,
    line,
    expect: 'error',
    rule: REFUSE_RULE,
    ...extra,
  });
  const choice = rng.int(0, 17);
  switch (choice) {
    case 0:
      return refuse(
        'ip-invalid',
        set(
          4,
          rng.pick([
            '999.1.1.1',
            '1.2.3',
            '256.256.256.256',
            '::gg',
            '1.2.3.4.5',
            '127.0.0.1.',
            'example.com',
            '-',
          ]),
        ),
      );
    case 1:
      return refuse(
        'port-invalid',
        set(5, rng.pick(['0', '65536', '-1', '99999', 'abc', '1e3', '0x50', '4294967297'])),
      );
    case 2:
      return refuse('transport-invalid', set(2, rng.pick(['sctp', 'dccp', 'UDPX', 'quic', 'u'])));
    case 3:
      return refuse('component-invalid', set(1, rng.pick(['0', '99', '257', '-1', 'a', '1.5'])));
    case 4:
      return refuse('priority-invalid', set(3, rng.pick(['0', '4294967296', '-5', 'x', '1.5'])));
    case 5:
      return refuse(
        'type-invalid',
        set(7, rng.pick(['hostile', 'HOST', 'relayed', '', 'x'.repeat(200)])),
      );
    case 6:
      return refuse('foundation-invalid', set(0, rng.pick(['!!!', 'a'.repeat(33), 'é', 'a-b'])));
    case 7:
      return refuse('no-typ', `candidate:${fields.slice(0, rng.int(0, 7)).join(' ')}`);
    case 8:
      return refuse('ufrag-other', `candidate:${fields.join(' ')}`, {
        usernameFragment: rng.pick(['zzzz', `${ctx.ufrag}x`, 'x'.repeat(256)]),
      });
    case 9:
      // No usernameFragment beside it: the line's own ufrag is the one that counts.
      return refuse('ufrag-900-in-line', `candidate:${fields.join(' ')} ufrag ${'u'.repeat(900)}`, {
        usernameFragment: null,
      });
    case 10:
      return refuse('mline-index-missing', `candidate:${fields.join(' ')}`, {
        sdpMid: null,
        sdpMLineIndex: rng.pick([1, 5, 64]),
      });
    case 11:
      return refuse('mid-unknown', `candidate:${fields.join(' ')}`, {
        sdpMid: rng.pick(['1', 'audio', 'x'.repeat(64), '0 ']),
      });
    case 12:
      // Valid variants: each points at the fuzzer's own port on loopback.
      return {
        kind: 'valid-variant',
        line: rng.pick([
          validCandidateLine(ctx),
          validCandidateLine(ctx, ' generation 0'),
          validCandidateLine(ctx, ` ufrag ${ctx.ufrag}`),
          validCandidateLine(ctx).replace(' udp ', ' UDP '),
          `candidate:2 1 udp 1694498815 127.0.0.1 ${ctx.sinkPort} typ srflx raddr 127.0.0.1 rport ${ctx.sinkPort}`,
        ]),
        sdpMid: rng.pick(['0', null, undefined, '']),
        sdpMLineIndex: rng.pick([0, null, undefined]),
        expect: 'none',
      };
    case 13:
      // Valid but of no use to the server (mDNS, TCP, component 2), or in SDP form (`a=candidate:`).
      return {
        kind: 'ignorable',
        line: rng.pick([
          `a=${validCandidateLine(ctx)}`,
          `candidate:1 1 udp 2130706431 ${rng.chars(8, 'abcdef0123456789')}-1234.local ${ctx.sinkPort} typ host`,
          `candidate:1 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active`,
          `candidate:1 2 udp 2130706430 127.0.0.1 ${ctx.sinkPort} typ host`,
        ]),
        expect: 'either',
      };
    default: {
      // A random field replaced with hostile text.
      const index = rng.int(0, fields.length - 1);
      const value = hostileText(rng, rng.pick(TEXT_KINDS), 900).replace(/\s/g, '_') || '_';
      return { kind: `field-${index}-hostile`, line: set(index, value), expect: 'either' };
    }
  }
}

function candidateFrame(c: CandidateCase, ctx: WsContext, rng: Rng): string {
  const candidate: Record<string, unknown> = { candidate: c.line };
  candidate['sdpMid'] = c.sdpMid === undefined ? rng.pick(['0', '0', null]) : c.sdpMid;
  if (c.sdpMLineIndex !== undefined) candidate['sdpMLineIndex'] = c.sdpMLineIndex;
  else if (rng.bool()) candidate['sdpMLineIndex'] = 0;
  candidate['usernameFragment'] =
    c.usernameFragment === undefined ? rng.pick([ctx.ufrag, null]) : c.usernameFragment;
  return JSON.stringify({ type: 'candidate', candidate });
}

/** Near misses of valid messages: one thing wrong in each. */
function nearMiss(rng: Rng, ctx: WsContext): unknown {
  const candidate = {
    candidate: validCandidateLine(ctx),
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: ctx.ufrag,
  };
  switch (rng.int(0, 9)) {
    case 0:
      return {
        type: rng.pick([
          'Candidate',
          'candidate ',
          'candidates',
          'end-of-candidate',
          'BYE',
          'bye ',
          'error',
          '',
          null,
          1,
          [],
          {},
        ]),
        candidate,
      };
    case 1:
      return { type: 'candidate' };
    case 2:
      return {
        type: 'candidate',
        candidate: rng.pick([null, 'candidate:1 1 udp 1 127.0.0.1 9 typ host', [], 1, true]),
      };
    case 3:
      return {
        type: 'candidate',
        candidate: { ...candidate, candidate: rng.pick([null, 1, [], {}, 'x'.repeat(1025)]) },
      };
    case 4:
      return {
        type: 'candidate',
        candidate: { ...candidate, sdpMid: rng.pick([0, {}, [], 'x'.repeat(65), true]) },
      };
    case 5:
      return {
        type: 'candidate',
        candidate: {
          ...candidate,
          sdpMLineIndex: rng.pick([-1, 1.5, 65, '0', 2 ** 53, 1e308, true]),
        },
      };
    case 6:
      return {
        type: 'candidate',
        candidate: { ...candidate, usernameFragment: rng.pick([1, 'x'.repeat(257), [], {}]) },
      };
    case 7:
      return {
        type: 'candidate',
        candidate,
        [rng.pick(['extra', '__proto__', 'constructor', 'sdp'])]: randomJson(rng, 1),
      };
    case 8:
      return { type: 'end-of-candidates', [rng.pick(['extra', 'candidate'])]: randomJson(rng, 1) };
    default:
      return { type: 'bye', reason: rng.pick(['x', null, 1]) };
  }
}

const INVALID_JSON_TEXTS = [
  '',
  ' ',
  '{',
  '}',
  '{"type":"candidate"',
  '{"type":"end-of-candidates",}',
  "{'type':'end-of-candidates'}",
  'undefined',
  'NaN',
  'Infinity',
  '{"type":"end-of-candidates"}{"type":"end-of-candidates"}',
  '\ufeff{"type":"end-of-candidates"}',
  '[1,2,',
  '"unterminated',
  '{"type":"end-of-candidates"/*c*/}',
  '0x10',
];

/** One WebSocket case for the signaling socket. Never a valid `bye` (that would end the session). */
export function wsCase(rng: Rng, ctx: WsContext): WsCase {
  const kind = rng.weighted<string>([
    [10, 'random-json'],
    [18, 'near-miss'],
    [28, 'candidate'],
    [8, 'invalid-json'],
    [6, 'binary'],
    [5, 'huge'],
    [4, 'deep'],
    [3, 'oversize'],
    [2, 'invalid-utf8'],
    [4, 'flood'],
    [3, 'end-of-candidates'],
    [3, 'edge-scalars'],
  ]);
  switch (kind) {
    case 'candidate': {
      const c = candidateCase(rng, ctx);
      const data = candidateFrame(c, ctx, rng);
      if (!ClientMessageSchema.safeParse(JSON.parse(data)).success) {
        // Too long for the schema (a hostile field of hundreds of characters): invalid_message.
        return {
          kind: `candidate:${c.kind}`,
          frames: [{ data }],
          expect: 'error',
          rule: 'the message schema',
        };
      }
      return {
        kind: `candidate:${c.kind}`,
        frames: [{ data }],
        expect: c.expect,
        rule: c.rule,
      };
    }
    case 'near-miss':
      return classify('near-miss', [{ data: JSON.stringify(nearMiss(rng, ctx)) }]);
    case 'random-json':
      return classify('random-json', [{ data: JSON.stringify(randomJson(rng, 4)) ?? 'null' }]);
    case 'edge-scalars':
      return classify('edge-scalars', [
        { data: JSON.stringify(rng.pick([...EDGE_NUMBERS, true, false, null, 'bye', ['bye']])) },
      ]);
    case 'invalid-json':
      return classify('invalid-json', [{ data: rng.pick(INVALID_JSON_TEXTS) }]);
    case 'binary': {
      const data = rng.bool(0.3)
        ? Buffer.from(JSON.stringify({ type: 'end-of-candidates' }))
        : rng.bytes(rng.int(0, 2000));
      return {
        kind: 'binary',
        frames: [{ data, binary: true }],
        expect: 'error',
        rule: 'messages are JSON text',
      };
    }
    case 'huge': {
      // Large, but under the socket's message limit: refused by the schema, not by the socket.
      const budget = MAX_WS_MESSAGE_BYTES - 200;
      const value = rng.pick([
        () => ({
          type: 'candidate',
          candidate: { candidate: validCandidateLine(ctx) },
          pad: 'A'.repeat(budget),
        }),
        () => Array.from({ length: Math.floor(budget / 6) }, (_, i) => i % 10000),
        () => ({ type: 'x'.repeat(budget) }),
        () =>
          Object.fromEntries(
            Array.from({ length: Math.floor(budget / 12) }, (_, i) => [`k${i}`, i]),
          ),
      ])();
      return classify('huge', [{ data: JSON.stringify(value) }]);
    }
    case 'deep': {
      const depth = rng.pick([100, 1000, 2500]);
      return classify('deep', [{ data: deepJson(depth, rng.bool() ? 'array' : 'object') }]);
    }
    case 'oversize': {
      const size = rng.int(MAX_WS_MESSAGE_BYTES + 1, MAX_WS_MESSAGE_BYTES * 4);
      const data = JSON.stringify({ type: 'candidate', pad: 'A'.repeat(size) });
      return {
        kind: 'oversize',
        frames: [{ data }],
        expect: 'close',
        closeCode: 1009,
        rule: `messages over ${MAX_WS_MESSAGE_BYTES} bytes close the socket (1009)`,
      };
    }
    case 'invalid-utf8': {
      const data = Buffer.concat([
        Buffer.from('{"type":"'),
        rng.pick([Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80])]),
        Buffer.from('"}'),
      ]);
      return {
        kind: 'invalid-utf8',
        frames: [{ data, binary: false }],
        expect: 'close',
        closeCode: 1007,
        rule: 'a text frame that is not UTF-8 closes the socket (1007)',
      };
    }
    case 'flood': {
      const count = rng.int(20, 100);
      const frames = Array.from({ length: count }, () => ({
        data: JSON.stringify(nearMiss(rng, ctx)),
      }));
      const classified = frames.map((f) => classify('flood', [f]));
      const expect = classified.every((c) => c.expect === 'error') ? 'error' : 'either';
      return { kind: `flood-${count}`, frames, expect };
    }
    default:
      return {
        kind: 'end-of-candidates',
        frames: [{ data: JSON.stringify({ type: 'end-of-candidates' }) }],
        expect: 'none',
      };
  }
}

/** The expectation for text frames, from the contract's own schema; a valid `bye` is defused. */
function classify(kind: string, frames: WsFrame[]): WsCase {
  let expect: WsExpectation = 'error';
  for (const frame of frames) {
    const text = String(frame.data);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = ClientMessageSchema.safeParse(json);
    if (parsed.success) {
      if (parsed.data.type === 'bye') {
        // Never end the session by accident: the same message with one more key is refused.
        frame.data = JSON.stringify({ ...(json as object), defused: true });
        continue;
      }
      expect = 'either';
    }
  }
  return { kind, frames, expect };
}
