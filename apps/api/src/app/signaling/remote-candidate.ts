import { isIPv4, isIPv6 } from 'node:net';
import type { IceCandidateInit } from '@whisperstream/shared-types';
import type { OfferMediaSection } from '../media/sdp';

/**
 * What to do with one trickled remote candidate, decided before werift sees it:
 * - `add`: hand it to the peer connection (with `sdpMid`/`sdpMLineIndex` resolved);
 * - `end`: an empty candidate line, which the WebRTC API uses for end-of-candidates;
 * - `ignore`: valid, but of no use to this server, and harmless (no error to the client);
 * - `refuse`: cannot be valid; the client gets an `invalid_candidate` error naming `reason`.
 */
export type CandidateVerdict =
  | { action: 'add'; candidate: ResolvedCandidate }
  | { action: 'end' }
  | { action: 'ignore'; reason: IgnoredCandidateKind }
  | { action: 'refuse'; reason: string };

export interface ResolvedCandidate {
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex: number;
  usernameFragment?: string;
}

/**
 * Candidates the server ignores without harm:
 * - `mdns`: a host candidate named `<uuid>.local` (a browser hiding its address). A server
 *   across the internet can never resolve a name on the browser's LAN; the browser's own checks
 *   make peer-reflexive pairs instead. ICE_RESOLVE_MDNS=true resolves them (werift, multicast).
 * - `tcp`: ICE-TCP; the server gathers UDP only.
 * - `rtcp`: component 2; every offer the server answers multiplexes RTCP on component 1.
 */
export type IgnoredCandidateKind = 'mdns' | 'tcp' | 'rtcp';

export interface CandidateRules {
  /** The offer's m-sections (where `sdpMid` and `sdpMLineIndex` must point). */
  media: readonly OfferMediaSection[];
  /** The section used when a candidate names none (the audio section). */
  defaultIndex: number;
  /** Hand `*.local` host candidates to werift, which resolves them over multicast DNS. */
  resolveMdns: boolean;
}

const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/;
const INTEGER = /^\d{1,10}$/;
const MDNS_NAME = /^[A-Za-z0-9-]{1,63}\.local$/i;
const CANDIDATE_TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);
const TCP_TYPES = new Set(['active', 'passive', 'so']);
const MAX_PRIORITY = 2 ** 32 - 1;

/** Shortens a value quoted in a reason: a hostile candidate may carry kilobytes. */
const quote = (value: string) =>
  JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * Parses and checks a candidate line (RFC 8839 §5.1): `candidate:<foundation> <component>
 * <transport> <priority> <address> <port> typ <type> [raddr <a> rport <p>] [tcptype <t>]
 * [<name> <value>]...`. Returns the reason it cannot be valid, or the parts the rules need.
 */
function parseCandidateLine(
  line: string,
):
  | { ok: false; reason: string }
  | { ok: true; component: number; transport: string; address: string; ufrag?: string } {
  const fields = line
    .trim()
    .replace(/^a=/, '')
    .replace(/^candidate:/, '')
    .split(/\s+/);
  if (fields.length < 8 || fields[6] !== 'typ') {
    return {
      ok: false,
      reason:
        'the candidate line is not "candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>"',
    };
  }
  const [foundation, component, transport, priority, address, port, , type] = fields;
  if (!FOUNDATION.test(foundation))
    return { ok: false, reason: `foundation ${quote(foundation)} is not 1-32 ICE characters` };
  const componentId = INTEGER.test(component) ? Number(component) : NaN;
  if (!(componentId >= 1 && componentId <= 256)) {
    return { ok: false, reason: `component ${quote(component)} is not a number from 1 to 256` };
  }
  const transportName = transport.toLowerCase();
  if (transportName !== 'udp' && transportName !== 'tcp') {
    return { ok: false, reason: `transport ${quote(transport)} is neither UDP nor TCP` };
  }
  const priorityValue = INTEGER.test(priority) ? Number(priority) : NaN;
  if (!(priorityValue >= 1 && priorityValue <= MAX_PRIORITY)) {
    return { ok: false, reason: `priority ${quote(priority)} is not a number from 1 to 2^32-1` };
  }
  if (!isIPv4(address) && !isIPv6(address) && !MDNS_NAME.test(address)) {
    return {
      ok: false,
      reason: `address ${quote(address)} is neither an IP address nor an mDNS name`,
    };
  }
  if (!CANDIDATE_TYPES.has(type)) {
    return { ok: false, reason: `type ${quote(type)} is not host, srflx, prflx or relay` };
  }
  const extensions = new Map<string, string>();
  for (let i = 8; i + 1 < fields.length; i += 2) extensions.set(fields[i], fields[i + 1]);
  const tcptype = extensions.get('tcptype');
  if (transportName === 'tcp' && (tcptype === undefined || !TCP_TYPES.has(tcptype))) {
    return { ok: false, reason: `a TCP candidate needs tcptype active, passive or so` };
  }
  // A TCP active candidate does not listen: its port is 9 (RFC 6544), 0 in some stacks.
  const portValue = INTEGER.test(port) ? Number(port) : NaN;
  const lowest = transportName === 'tcp' && tcptype === 'active' ? 0 : 1;
  if (!(portValue >= lowest && portValue <= 65535)) {
    return { ok: false, reason: `port ${quote(port)} is not a number from ${lowest} to 65535` };
  }
  return {
    ok: true,
    component: componentId,
    transport: transportName,
    address,
    ufrag: extensions.get('ufrag'),
  };
}

/** The `sdpMLineIndex` a candidate applies to: `sdpMid` first, then the index (libwebrtc's rule). */
function mediaIndexOf(
  init: IceCandidateInit,
  rules: CandidateRules,
): { ok: true; index: number } | { ok: false; reason: string } {
  // An empty or null sdpMid means "not given" (pion trickles `"sdpMid": ""`).
  const mid = init.sdpMid === '' ? null : (init.sdpMid ?? null);
  if (mid !== null) {
    const index = rules.media.findIndex((m) => m.mid === mid);
    if (index < 0) {
      const mids = rules.media.flatMap((m) => (m.mid === undefined ? [] : [m.mid]));
      return {
        ok: false,
        reason: `sdpMid ${quote(mid)} names no media section of the offer (its mids: ${mids.join(', ') || 'none'})`,
      };
    }
    return { ok: true, index };
  }
  const index = init.sdpMLineIndex;
  if (index !== null && index !== undefined) {
    if (index >= rules.media.length) {
      return {
        ok: false,
        reason: `sdpMLineIndex ${index} names no media section of the offer (it has ${rules.media.length})`,
      };
    }
    return { ok: true, index };
  }
  return { ok: true, index: rules.defaultIndex };
}

/** Decides what to do with one trickled candidate (see {@link CandidateVerdict}). */
export function judgeRemoteCandidate(
  init: IceCandidateInit,
  rules: CandidateRules,
): CandidateVerdict {
  if (init.candidate.trim() === '') return { action: 'end' };
  const line = parseCandidateLine(init.candidate);
  if (!line.ok) return { action: 'refuse', reason: line.reason };
  const media = mediaIndexOf(init, rules);
  if (!media.ok) return { action: 'refuse', reason: media.reason };
  const section = rules.media[media.index];
  const ufrag = init.usernameFragment || line.ufrag;
  if (ufrag && section.iceUfrag !== undefined && ufrag !== section.iceUfrag) {
    return {
      action: 'refuse',
      reason: `usernameFragment ${quote(ufrag)} is not the offer's (a candidate of another session, or of an ICE restart)`,
    };
  }
  if (line.transport === 'tcp') return { action: 'ignore', reason: 'tcp' };
  if (line.component !== 1) {
    if (line.component === 2) return { action: 'ignore', reason: 'rtcp' };
    return {
      action: 'refuse',
      reason: `component ${line.component} does not exist (1 is RTP; RTCP is multiplexed on it)`,
    };
  }
  if (MDNS_NAME.test(line.address) && !rules.resolveMdns)
    return { action: 'ignore', reason: 'mdns' };
  return {
    action: 'add',
    candidate: {
      candidate: init.candidate,
      sdpMid: section.mid,
      sdpMLineIndex: media.index,
      usernameFragment: ufrag || undefined,
    },
  };
}

/** Per session: what became of the client's candidates, for the log when ICE fails. */
export class CandidateTally {
  added = 0;
  refused = 0;
  readonly ignored: Record<IgnoredCandidateKind, number> = { mdns: 0, tcp: 0, rtcp: 0 };
  endOfCandidates = false;

  count(verdict: CandidateVerdict): void {
    if (verdict.action === 'add') this.added++;
    else if (verdict.action === 'refuse') this.refused++;
    else if (verdict.action === 'ignore') this.ignored[verdict.reason]++;
    else this.endOfCandidates = true;
  }

  /** e.g. "0 used, ignored: 2 mDNS, 1 TCP, 2 RTCP; 0 refused; end-of-candidates received". */
  describe(): string {
    const { mdns, tcp, rtcp } = this.ignored;
    const ignored = [
      mdns ? `${mdns} mDNS` : '',
      tcp ? `${tcp} TCP` : '',
      rtcp ? `${rtcp} RTCP (component 2)` : '',
    ].filter(Boolean);
    return (
      `${this.added} used, ignored: ${ignored.join(', ') || 'none'}; ${this.refused} refused; ` +
      `end-of-candidates ${this.endOfCandidates ? 'received' : 'not received'}`
    );
  }
}
