import type { IceCandidateInit } from '@whisperstream/shared-types';
import type { OfferMediaSection } from '../media/sdp';
import { CandidateTally, judgeRemoteCandidate, type CandidateRules } from './remote-candidate';

const media: OfferMediaSection[] = [
  { index: 0, kind: 'audio', mid: '0', iceUfrag: 'abcd', icePwd: 'p'.repeat(22), fingerprints: [] },
  { index: 1, kind: 'video', mid: 'v', iceUfrag: 'abcd', icePwd: 'p'.repeat(22), fingerprints: [] },
];
const rules: CandidateRules = { media, defaultIndex: 0, resolveMdns: false };
const HOST = 'candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host generation 0';
const MDNS =
  'candidate:0 1 UDP 2122252543 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 53202 typ host';
const at = (candidate: string, more: Partial<IceCandidateInit> = {}): IceCandidateInit => ({
  candidate,
  sdpMid: '0',
  sdpMLineIndex: 0,
  ...more,
});
const judge = (init: IceCandidateInit, r: CandidateRules = rules) => judgeRemoteCandidate(init, r);

describe(judgeRemoteCandidate.name, () => {
  it('adds a host candidate for its media section', () => {
    expect(judge(at(HOST))).toEqual({
      action: 'add',
      candidate: { candidate: HOST, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: undefined },
    });
    expect(judge(at(`a=${HOST}`)).action).toBe('add');
    expect(judge(at(HOST.replace('192.0.2.10', '2001:db8::1'))).action).toBe('add');
  });

  it('treats an empty or null sdpMid as not given and falls back to sdpMLineIndex (pion trickles "")', () => {
    expect(judge(at(HOST, { sdpMid: '', sdpMLineIndex: 1 }))).toMatchObject({
      action: 'add',
      candidate: { sdpMid: 'v', sdpMLineIndex: 1 },
    });
    expect(judge(at(HOST, { sdpMid: null, sdpMLineIndex: 0 }))).toMatchObject({
      action: 'add',
      candidate: { sdpMid: '0', sdpMLineIndex: 0 },
    });
    // Neither given: the audio section, the only one the server uses.
    expect(judge({ candidate: HOST, sdpMid: '', sdpMLineIndex: null })).toMatchObject({
      action: 'add',
      candidate: { sdpMid: '0', sdpMLineIndex: 0 },
    });
  });

  it('reads an empty candidate line as end-of-candidates', () => {
    expect(judge(at(''))).toEqual({ action: 'end' });
  });

  it('ignores mDNS host names, TCP candidates and component 2 without an error', () => {
    expect(judge(at(MDNS))).toEqual({ action: 'ignore', reason: 'mdns' });
    expect(
      judge(
        at(
          'candidate:2 1 TCP 2105524479 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 9 typ host tcptype active',
        ),
      ),
    ).toEqual({ action: 'ignore', reason: 'tcp' });
    expect(judge(at(HOST.replace(' 1 udp', ' 2 udp')))).toEqual({
      action: 'ignore',
      reason: 'rtcp',
    });
  });

  it('hands mDNS names to werift when ICE_RESOLVE_MDNS asks for resolution', () => {
    expect(judge(at(MDNS), { ...rules, resolveMdns: true }).action).toBe('add');
  });

  it.each([
    ['an IP that is not one', HOST.replace('192.0.2.10', '999.1.1.1'), /address "999\.1\.1\.1"/],
    ['port 0', HOST.replace(' 50000 ', ' 0 '), /port "0" is not a number from 1 to 65535/],
    ['port 65536', HOST.replace(' 50000 ', ' 65536 '), /port "65536"/],
    ['transport sctp', HOST.replace(' udp ', ' sctp '), /transport "sctp" is neither UDP nor TCP/],
    ['component 99', HOST.replace(' 1 udp', ' 99 udp'), /component 99 does not exist/],
    ['component 0', HOST.replace(' 1 udp', ' 0 udp'), /component "0"/],
    ['a type that is not one', HOST.replace('typ host', 'typ magic'), /type "magic"/],
    ['too few fields', 'candidate:1 1 udp 5 192.0.2.10', /is not "candidate:<foundation>/],
    ['a priority of 0', HOST.replace(' 2122260223 ', ' 0 '), /priority "0"/],
    ['a TCP candidate without tcptype', HOST.replace(' udp ', ' tcp '), /tcptype/],
    [
      'a DNS name',
      HOST.replace('192.0.2.10', 'example.com'),
      /neither an IP address nor an mDNS name/,
    ],
  ])('refuses %s, naming it', (_, candidate, reason) => {
    const verdict = judge(at(candidate));
    expect(verdict.action).toBe('refuse');
    expect(verdict.action === 'refuse' && verdict.reason).toMatch(reason);
  });

  it('refuses an sdpMid or sdpMLineIndex that names no media section', () => {
    expect(judge(at(HOST, { sdpMid: 'audio7' }))).toEqual({
      action: 'refuse',
      reason: 'sdpMid "audio7" names no media section of the offer (its mids: 0, v)',
    });
    expect(judge(at(HOST, { sdpMid: undefined, sdpMLineIndex: 5 }))).toEqual({
      action: 'refuse',
      reason: 'sdpMLineIndex 5 names no media section of the offer (it has 2)',
    });
  });

  it("refuses a usernameFragment that is not the offer's, in the message or in the line", () => {
    expect(judge(at(HOST, { usernameFragment: 'x'.repeat(200) }))).toMatchObject({
      action: 'refuse',
      reason: expect.stringMatching(/^usernameFragment "x{40}…" is not the offer's/),
    });
    expect(judge(at(`${HOST} ufrag zzzz`)).action).toBe('refuse');
    expect(judge(at(`${HOST} ufrag abcd`, { usernameFragment: 'abcd' })).action).toBe('add');
  });
});

describe(CandidateTally.name, () => {
  it('says what became of the candidates', () => {
    const sut = new CandidateTally();
    for (const candidate of [
      MDNS,
      MDNS,
      HOST.replace(' 1 udp', ' 2 udp'),
      HOST.replace(' udp ', ' sctp '),
    ]) {
      sut.count(judge(at(candidate)));
    }
    sut.count({ action: 'end' });
    expect(sut.describe()).toBe(
      '0 used, ignored: 2 mDNS, 1 RTCP (component 2); 1 refused; end-of-candidates received',
    );
  });
});
