import type { Rng } from './rng';
import { hostileText, TEXT_KINDS, type TextKind } from './values';

/** A line of an SDP picked by its start (`nth` match), or by its place (a fraction of the length). */
export type LineSelector = { prefix: string; nth?: number } | { at: number };

/**
 * One mutation of an offer, as data: it describes itself in the report and applies the same way
 * to another offer of the same shape (a fresh werift offer, for the connect check).
 */
export type SdpOp =
  | { op: 'drop'; line: LineSelector }
  | { op: 'duplicate'; line: LineSelector; times: number }
  | { op: 'move'; line: LineSelector; to: number }
  | { op: 'set-value'; line: LineSelector; value: string; kind: TextKind | 'crafted' }
  | { op: 'replace-line'; line: LineSelector; text: string }
  | { op: 'insert'; at: number; text: string }
  | { op: 'swap-sections' }
  | { op: 'truncate'; at: number }
  | { op: 'line-ends'; style: 'lf' | 'cr' | 'mixed' | 'none' | 'blank-lines' | 'trailing-space' }
  | { op: 'prefix'; text: string }
  | { op: 'replace-all'; text: string };

/** Lines a mutation aims at more often than a random one: what ICE, DTLS and the codec need. */
const KEY_PREFIXES = [
  'v=',
  'o=',
  's=',
  't=',
  'm=audio',
  'c=',
  'a=ice-ufrag:',
  'a=ice-pwd:',
  'a=fingerprint:',
  'a=setup:',
  'a=mid:',
  'a=group:BUNDLE',
  'a=rtpmap:',
  'a=rtcp-mux',
  'a=ssrc:',
  'a=sendonly',
  'a=fmtp:',
  'a=extmap:',
];

/**
 * Near misses that a parser might take: for a prefix ending in `:`, values of that attribute;
 * for the others, whole lines.
 */
const CRAFTED: Record<string, (rng: Rng) => string> = {
  'a=fingerprint:': (rng) =>
    rng.pick([
      'sha-256',
      'sha-256 ',
      'sha-999 AB:CD',
      'md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
      `SHA-256 ${hexBytes(rng, 32)}`,
      `sha-256 ${hexBytes(rng, 31)}`,
      `sha-256 ${hexBytes(rng, 33)}`,
      `sha-256 ${hexBytes(rng, 32).replace(/:/g, '')}`,
      `sha-1 ${hexBytes(rng, 20)}`,
      `sha-512 ${hexBytes(rng, 64)}`,
      `sha-256 ${hexBytes(rng, 32).replace(/[0-9]/g, 'G')}`,
      `sha-256  ${hexBytes(rng, 32)} extra`,
      'sha-256 ::::::::::::::::::::::::::::::::',
    ]),
  'a=ice-ufrag:': (rng) =>
    rng.pick([
      '',
      'a',
      'abc',
      'ab:d',
      'ab d',
      'ab\td',
      'x'.repeat(257),
      'x'.repeat(900),
      '++++',
      'é€ab',
    ]),
  'a=ice-pwd:': (rng) =>
    rng.pick([
      '',
      'short',
      'x'.repeat(21),
      'x'.repeat(257),
      'x'.repeat(4000),
      'a b'.repeat(10),
      '/'.repeat(22),
    ]),
  'a=rtpmap:': (rng) =>
    rng.pick([
      '96 opus/48000',
      '96 OPUS/48000/2',
      '96 opus/44100/2',
      '96 opus/0/2',
      '96 opus/-48000/2',
      '96 opus/48000/0',
      '96 opus/48000/255',
      '300 opus/48000/2',
      '-1 opus/48000/2',
      '96  opus/48000/2',
      '96 opus',
      '96',
      ' opus/48000/2',
      '111 opus/48000/2',
      '96 PCMU/8000',
      '96 opus/99999999999999999999/2',
    ]),
  'm=audio': (rng) =>
    rng.pick([
      'm=audio 9 UDP/TLS/RTP/SAVPF',
      'm=audio 9 UDP/TLS/RTP/SAVPF ',
      'm=audio 0 UDP/TLS/RTP/SAVPF 96',
      'm=audio 65536 UDP/TLS/RTP/SAVPF 96',
      'm=audio -1 UDP/TLS/RTP/SAVPF 96',
      'm=audio 9 RTP/AVP 96',
      'm=audio 9 UDP/DTLS/SCTP webrtc-datachannel',
      'm=audio 9 UDP/TLS/RTP/SAVPF 96 96 96',
      `m=audio 9 UDP/TLS/RTP/SAVPF ${Array.from({ length: 128 }, (_, i) => i).join(' ')}`,
      'm=audio 9 UDP/TLS/RTP/SAVPF 255 96',
      'm=audio 9/2 UDP/TLS/RTP/SAVPF 96',
      'm=audio',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
    ]),
  'a=setup:': (rng) =>
    rng.pick(['active', 'passive', 'holdconn', '', 'ACTPASS', 'actpass actpass']),
  'a=mid:': (rng) => rng.pick(['', '1', '0 0', 'x'.repeat(300), 'é', '-1']),
  'a=group:BUNDLE': (rng) =>
    rng.pick(['a=group:BUNDLE', 'a=group:BUNDLE 0 0', 'a=group:BUNDLE 7', 'a=group:LS 0']),
  'a=ssrc:': (rng) =>
    rng.pick([
      '0 cname:x',
      '4294967296 cname:x',
      '-1 cname:x',
      'abc cname:x',
      '1',
      `1 cname:${'x'.repeat(5000)}`,
    ]),
  'a=extmap:': (rng) =>
    rng.pick([
      '0 urn:ietf:params:rtp-hdrext:sdes:mid',
      '15 urn:ietf:params:rtp-hdrext:sdes:mid',
      '256 urn:ietf:params:rtp-hdrext:sdes:mid',
      '4096 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      '1/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on',
      '1',
      'x urn:x',
    ]),
  'o=': (rng) =>
    rng.pick([
      'o=- 0 0 IN IP4',
      'o=',
      'o=- 99999999999999999999999 0 IN IP4 0.0.0.0',
      'o=- 1 1 IN IP6 ::1',
    ]),
  'c=': (rng) =>
    rng.pick(['c=IN IP4', 'c=IN IP4 999.1.1.1', 'c=IN IP6 ::1', 'c=XX', 'c=IN IP4 0.0.0.0/127']),
};

/** Lines a mutation may insert: attributes a real offer could carry, near misses of them. */
const INSERTS: Array<(rng: Rng, sinkPort: number) => string> = [
  (rng, port) => `a=candidate:1 1 udp 2130706431 127.0.0.1 ${port} typ host`,
  (rng, port) =>
    `a=candidate:1 1 udp ${rng.pick(['0', '-1', '99999999999'])} 127.0.0.1 ${port} typ host`,
  () => 'a=candidate:1 1 udp 2130706431 999.1.1.1 9 typ host',
  () => 'a=candidate:garbage',
  () => 'a=end-of-candidates',
  () => 'a=ice-lite',
  () => 'a=ice-options:trickle renomination',
  (rng) => `a=rtpmap:${rng.int(0, 127)} opus/48000/2`,
  (rng) =>
    `a=fmtp:96 ${rng.pick(['minptime=10;useinbandfec=1', 'maxplaybackrate=0', 'x'.repeat(2000), 'stereo=1;sprop-stereo=1'])}`,
  () => 'a=rtcp-fb:96 transport-cc',
  () => 'a=rtcp-fb:96 nack pli',
  () => 'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  () => 'a=extmap:2 urn:ietf:params:rtp-hdrext:sdes:mid',
  () => 'a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  () => 'a=msid:stream track',
  () => 'a=rid:r0 send',
  () => 'a=simulcast:send r0;r1',
  () => 'a=sctp-port:5000',
  () => 'a=max-message-size:262144',
  () => 'b=AS:-1',
  () => 'b=TIAS:99999999999999',
  () => 'a=x-google-flag:conference',
  () => 'm=video 9 UDP/TLS/RTP/SAVPF 97',
  () => 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  () => 'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  () => 'a=inactive',
  () => 'a=recvonly',
  () => 'a=',
  () => '=',
  () => 'x=y',
  (rng) => `a=${hostileText(rng, rng.pick(TEXT_KINDS), 3000)}`,
];

export interface SdpMutation {
  sdp: string;
  ops: SdpOp[];
}

/** One to three mutations of `base`, chosen by `rng`; `sinkPort` is where inserted candidates point. */
export function mutateSdp(rng: Rng, base: string, sinkPort: number): SdpMutation {
  const ops: SdpOp[] = [];
  const count = rng.weighted([
    [6, 1],
    [3, 2],
    [1, 3],
  ] as const);
  for (let i = 0; i < count; i++) ops.push(randomOp(rng, base, sinkPort));
  return { sdp: applySdpOps(base, ops), ops };
}

function selector(rng: Rng): LineSelector {
  return rng.bool(0.7) ? { prefix: rng.pick(KEY_PREFIXES) } : { at: rng.next() };
}

function randomOp(rng: Rng, base: string, sinkPort: number): SdpOp {
  const kind = rng.weighted<SdpOp['op']>([
    [12, 'drop'],
    [6, 'duplicate'],
    [4, 'move'],
    [22, 'set-value'],
    [4, 'replace-line'],
    [10, 'insert'],
    [3, 'swap-sections'],
    [6, 'truncate'],
    [6, 'line-ends'],
    [2, 'prefix'],
    [1, 'replace-all'],
  ]);
  switch (kind) {
    case 'drop':
      return { op: 'drop', line: selector(rng) };
    case 'duplicate':
      return { op: 'duplicate', line: selector(rng), times: rng.pick([1, 1, 2, 50]) };
    case 'move':
      return { op: 'move', line: selector(rng), to: rng.next() };
    case 'set-value': {
      const line = selector(rng);
      const crafted =
        'prefix' in line && line.prefix.endsWith(':') ? CRAFTED[line.prefix] : undefined;
      if (crafted && rng.bool(0.6))
        return { op: 'set-value', line, value: crafted(rng), kind: 'crafted' };
      const textKind = rng.pick(TEXT_KINDS);
      return { op: 'set-value', line, value: hostileText(rng, textKind, 40_000), kind: textKind };
    }
    case 'replace-line': {
      const line = selector(rng);
      const crafted =
        'prefix' in line && !line.prefix.endsWith(':') ? CRAFTED[line.prefix] : undefined;
      const text = crafted && rng.bool(0.7) ? crafted(rng) : rng.pick(INSERTS)(rng, sinkPort);
      return { op: 'replace-line', line, text };
    }
    case 'insert':
      return { op: 'insert', at: rng.next(), text: rng.pick(INSERTS)(rng, sinkPort) };
    case 'swap-sections':
      return { op: 'swap-sections' };
    case 'truncate':
      return { op: 'truncate', at: rng.next() };
    case 'line-ends':
      return {
        op: 'line-ends',
        style: rng.pick(['lf', 'cr', 'mixed', 'none', 'blank-lines', 'trailing-space'] as const),
      };
    case 'prefix':
      return { op: 'prefix', text: rng.pick(['\ufeff', ' ', '\r\n', 'v=0\r\n', '\u0000']) };
    case 'replace-all':
      return {
        op: 'replace-all',
        text: rng.pick([
          'v=0',
          'v=0\r\nm=audio',
          base.replace(/\r\n/g, '\n').split('\n').reverse().join('\r\n'),
          JSON.stringify({ sdp: base }),
          hostileText(rng, rng.pick(TEXT_KINDS), 30_000) || 'x',
        ]),
      };
  }
}

/** Applies the mutations in order; a selector that matches no line leaves the offer as it is. */
export function applySdpOps(sdp: string, ops: readonly SdpOp[]): string {
  let text = sdp;
  for (const op of ops) text = applyOne(text, op);
  return text;
}

function findLine(lines: string[], selector: LineSelector): number {
  if ('at' in selector)
    return lines.length === 0
      ? -1
      : Math.min(lines.length - 1, Math.floor(selector.at * lines.length));
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith(selector.prefix) && seen++ === (selector.nth ?? 0)) return i;
  }
  return -1;
}

function applyOne(sdp: string, op: SdpOp): string {
  switch (op.op) {
    case 'truncate':
      return sdp.slice(0, Math.floor(op.at * sdp.length));
    case 'prefix':
      return op.text + sdp;
    case 'replace-all':
      return op.text;
    case 'line-ends':
      return lineEnds(sdp, op.style);
    default:
      break;
  }
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const trailing = sdp.endsWith(eol);
  const lines = (trailing ? sdp.slice(0, -eol.length) : sdp).split(eol);
  const join = (out: string[]) => out.join(eol) + (trailing ? eol : '');
  switch (op.op) {
    case 'insert': {
      lines.splice(Math.floor(op.at * (lines.length + 1)), 0, op.text);
      return join(lines);
    }
    case 'swap-sections': {
      const starts = lines.flatMap((l, i) => (l.startsWith('m=') ? [i] : []));
      if (starts.length < 2) {
        // One m-section: add a copy of it as a video section in front of it.
        if (starts.length === 1) {
          const section = lines.slice(starts[0]);
          const video = [section[0].replace(/^m=\w+/, 'm=video'), ...section.slice(1)];
          lines.splice(starts[0], 0, ...video);
        }
        return join(lines);
      }
      const first = lines.slice(starts[0], starts[1]);
      const rest = lines.slice(starts[1]);
      return join([...lines.slice(0, starts[0]), ...rest, ...first]);
    }
    default:
      break;
  }
  const index = findLine(lines, op.line);
  if (index < 0) return sdp;
  switch (op.op) {
    case 'drop':
      lines.splice(index, 1);
      break;
    case 'duplicate':
      lines.splice(index, 0, ...Array<string>(op.times).fill(lines[index]));
      break;
    case 'move': {
      const [line] = lines.splice(index, 1);
      lines.splice(Math.floor(op.to * (lines.length + 1)), 0, line);
      break;
    }
    case 'set-value': {
      const line = lines[index];
      const colon = line.indexOf(':');
      const equals = line.indexOf('=');
      const cut = line.startsWith('a=') && colon > 0 ? colon + 1 : equals + 1;
      lines[index] = line.slice(0, cut) + op.value;
      break;
    }
    case 'replace-line':
      lines[index] = op.text;
      break;
  }
  return join(lines);
}

function lineEnds(sdp: string, style: Extract<SdpOp, { op: 'line-ends' }>['style']): string {
  const lines = sdp.split(/\r?\n/);
  switch (style) {
    case 'lf':
      return lines.join('\n');
    case 'cr':
      return lines.join('\r');
    case 'none':
      return lines.join('');
    case 'mixed':
      return lines.map((l, i) => l + (i % 2 === 0 ? '\r\n' : '\n')).join('');
    case 'blank-lines':
      return lines.join('\r\n\r\n');
    case 'trailing-space':
      return lines.map((l) => (l ? `${l} ` : l)).join('\r\n');
  }
}

/** A one-line account of the mutations, for the report (long values shortened). */
export function describeSdpOps(ops: readonly SdpOp[]): string {
  return ops
    .map((op) => {
      const parts = Object.entries(op)
        .filter(([key]) => key !== 'op')
        .map(
          ([key, value]) =>
            `${key}=${short(typeof value === 'string' ? value : JSON.stringify(value))}`,
        );
      return `${op.op}(${parts.join(', ')})`;
    })
    .join(' + ');
}

function short(text: string): string {
  const printable = JSON.stringify(text).slice(1, -1);
  return printable.length > 60 ? `${printable.slice(0, 60)}…[${text.length} chars]` : printable;
}

function hexBytes(rng: Rng, count: number): string {
  return Array.from({ length: count }, () =>
    rng.int(0, 255).toString(16).padStart(2, '0').toUpperCase(),
  ).join(':');
}

/**
 * The werift offer made deterministic: its random identifiers (session id, ICE credentials,
 * certificate fingerprint, SSRC and CNAME) replaced with values from `rng`, so that the same seed
 * posts the same bytes. The server cannot tell: it never sees the certificate before DTLS.
 */
export function normaliseOffer(sdp: string, rng: Rng): string {
  return sdp
    .replace(/^o=- \d+ /m, `o=- ${rng.int(1, 2 ** 31)} `)
    .replace(/^a=ice-ufrag:.*$/m, `a=ice-ufrag:${rng.chars(4, 'abcdef0123456789')}`)
    .replace(/^a=ice-pwd:.*$/m, `a=ice-pwd:${rng.chars(22, 'abcdef0123456789')}`)
    .replace(/^a=fingerprint:sha-256 .*$/m, `a=fingerprint:sha-256 ${hexBytes(rng, 32)}`)
    .replace(
      /^a=ssrc:\d+ cname:.*$/m,
      `a=ssrc:${rng.uint32()} cname:${rng.chars(36, 'abcdef0123456789')}`,
    );
}

/**
 * A Chromium-shaped audio offer (several codecs, header extensions, RTCP feedback, msid) with
 * identifiers from `rng`: the mutations also meet what a browser sends, not only werift's lean one.
 */
export function browserLikeOffer(rng: Rng): string {
  const ufrag = rng.chars(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
  const pwd = rng.chars(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
  const ssrc = rng.uint32();
  const stream = rng.chars(36, 'abcdef0123456789-');
  const track = rng.chars(36, 'abcdef0123456789-');
  return [
    'v=0',
    `o=- ${rng.int(1, 2 ** 31)}${rng.int(100000000, 999999999)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    `a=msid-semantic: WMS ${stream}`,
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${hexBytes(rng, 32)}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv',
    `a=msid:${stream} ${track}`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:13 CN/8000',
    'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000',
    `a=ssrc:${ssrc} cname:${rng.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789')}`,
    `a=ssrc:${ssrc} msid:${stream} ${track}`,
    '',
  ].join('\r\n');
}

const FINGERPRINT_HASHES = ['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512'];

/**
 * Why an offer cannot connect and must be refused with 400 (issue 11, 5), for the clear cases
 * only: a well-formed offer (CRLF or LF lines, one m-section) with no `a=fingerprint` or only
 * unknown hash functions, or no usable `a=ice-ufrag`/`a=ice-pwd` (missing, empty, over 256
 * characters). Null when the offer has none of these, or is too broken to judge here.
 */
export function mustRefuseReason(sdp: string): string | null {
  if (!/^v=0\r?\n/.test(sdp) || /\r(?!\n)/.test(sdp)) return null;
  const lines = sdp.split(/\r?\n/);
  if (lines.filter((l) => l.startsWith('m=')).length !== 1) return null;
  const values = (prefix: string) =>
    lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
  const fingerprints = values('a=fingerprint:');
  if (fingerprints.length === 0) return 'no a=fingerprint';
  const hashes = fingerprints.map((f) => f.split(/\s+/)[0].toLowerCase());
  if (hashes.every((h) => !FINGERPRINT_HASHES.includes(h)))
    return `a=fingerprint with ${hashes.join(', ') || 'no hash function'} only`;
  for (const name of ['ice-ufrag', 'ice-pwd'] as const) {
    const found = values(`a=${name}:`);
    if (found.length === 0) return `no a=${name}`;
    if (found.every((v) => v === '')) return `an empty a=${name}`;
    if (found.every((v) => v.length > 256)) return `an a=${name} over 256 characters`;
  }
  return null;
}
