/**
 * The `sdpMLineIndex` of the offer's first active audio m-line that offers Opus, or -1. A quick
 * text check before the offer reaches werift, so that a video-only or codec-less offer gets a
 * clear 400.
 */
export function opusAudioIndex(sdp: string): number {
  const [, ...sections] = sdp.split(/\r?\n(?=m=)/);
  return sections.findIndex((section) => {
    const mline = /^m=audio (\d+) [A-Z/]+ ([\d ]+)/.exec(section);
    if (!mline || mline[1] === '0') return false;
    const payloadTypes = new Set(mline[2].trim().split(/\s+/));
    return [...section.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].some((m) =>
      payloadTypes.has(m[1]),
    );
  });
}

/** Whether an SDP offer has an active audio m-line that offers Opus. */
export function offersOpusAudio(sdp: string): boolean {
  return opusAudioIndex(sdp) >= 0;
}

/**
 * The SDP with every line ended by CRLF, as RFC 8866 writes it. Offers mixing CRLF and LF pass
 * a line-by-line check but break a parser that splits on CRLF (werift does): its ICE
 * credentials would be read garbled and the session could never connect.
 */
export function normalizeLineEndings(sdp: string): string {
  return sdp.replace(/\r?\n/g, '\r\n');
}

/** The barest structural check: a session description starts with `v=0` and has an m-line. */
export function looksLikeSdp(sdp: string): boolean {
  return /^v=0\r?\n/.test(sdp) && /\r?\nm=/.test(sdp) && /\r?\no=/.test(sdp);
}

/** One m-section of an offer, with the ICE and DTLS attributes that apply to it. */
export interface OfferMediaSection {
  index: number;
  kind: string;
  /** `a=mid`, when the section has one. */
  mid?: string;
  /** `a=ice-ufrag` / `a=ice-pwd` of the section, or of the session when the section has none. */
  iceUfrag?: string;
  icePwd?: string;
  /** `a=fingerprint` lines of the section, or of the session when the section has none. */
  fingerprints: Array<{ algorithm: string; value: string }>;
}

const attribute = (lines: string[], name: string): string | undefined => {
  const prefix = `a=${name}:`;
  const line = lines.find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : line.slice(prefix.length).trim();
};

const fingerprintsOf = (lines: string[]) =>
  lines
    .filter((l) => l.startsWith('a=fingerprint:'))
    .map((l) => {
      const [algorithm = '', value = ''] = l.slice('a=fingerprint:'.length).trim().split(/\s+/);
      return { algorithm, value };
    });

/** The offer's m-sections in order (the index is the `sdpMLineIndex`). */
export function offerMediaSections(sdp: string): OfferMediaSection[] {
  const [session = '', ...sections] = sdp.split(/\r?\n(?=m=)/);
  const sessionLines = session.split(/\r?\n/);
  const sessionUfrag = attribute(sessionLines, 'ice-ufrag');
  const sessionPwd = attribute(sessionLines, 'ice-pwd');
  const sessionFingerprints = fingerprintsOf(sessionLines);
  return sections.map((section, index) => {
    const lines = section.split(/\r?\n/);
    const fingerprints = fingerprintsOf(lines);
    return {
      index,
      kind: /^m=(\S+)/.exec(lines[0] ?? '')?.[1] ?? '',
      mid: attribute(lines, 'mid'),
      iceUfrag: attribute(lines, 'ice-ufrag') ?? sessionUfrag,
      icePwd: attribute(lines, 'ice-pwd') ?? sessionPwd,
      fingerprints: fingerprints.length > 0 ? fingerprints : sessionFingerprints,
    };
  });
}

/** Hash functions a DTLS fingerprint may use here (werift's list; RFC 8122's names). */
export const FINGERPRINT_ALGORITHMS = ['sha-256', 'sha-384', 'sha-512', 'sha-224', 'sha-1'];
const FINGERPRINT_BYTES: Record<string, number> = {
  'sha-1': 20,
  'sha-224': 28,
  'sha-256': 32,
  'sha-384': 48,
  'sha-512': 64,
};

/** RFC 8839 §5.4: ice-char is ALPHA / DIGIT / "+" / "/"; ufrag 4-256 of them, pwd 22-256. */
const ICE_CHARS = /^[A-Za-z0-9+/]*$/;
const ICE_UFRAG_LENGTH = { min: 4, max: 256 };
const ICE_PWD_LENGTH = { min: 22, max: 256 };

function iceCredentialProblem(
  name: 'ice-ufrag' | 'ice-pwd',
  value: string | undefined,
  length: { min: number; max: number },
): string | null {
  if (value === undefined) return `the offer has no a=${name} (ICE needs it)`;
  if (value.length < length.min || value.length > length.max) {
    return `the offer's a=${name} is ${value.length} characters long (${length.min} to ${length.max} are allowed)`;
  }
  if (!ICE_CHARS.test(value)) {
    return `the offer's a=${name} has characters other than letters, digits, "+" and "/"`;
  }
  return null;
}

function fingerprintProblem(fingerprints: OfferMediaSection['fingerprints']): string | null {
  if (fingerprints.length === 0) {
    return 'the offer has no a=fingerprint (DTLS needs the certificate fingerprint)';
  }
  const usable = fingerprints.filter(({ algorithm, value }) => {
    const bytes = FINGERPRINT_BYTES[algorithm.toLowerCase()];
    return (
      bytes !== undefined &&
      new RegExp(`^[0-9a-f]{2}(:[0-9a-f]{2}){${bytes - 1}}$`, 'i').test(value)
    );
  });
  if (usable.length > 0) return null;
  const named = fingerprints.map((f) => f.algorithm || '(none)').join(', ');
  const known = fingerprints.some(
    (f) => FINGERPRINT_BYTES[f.algorithm.toLowerCase()] !== undefined,
  );
  return known
    ? `the offer's a=fingerprint value is not a ${named} digest (hex bytes separated by colons)`
    : `the offer's a=fingerprint uses ${named}; supported: ${FINGERPRINT_ALGORITHMS.join(', ')}`;
}

/**
 * Why the offer's audio section cannot be connected (ICE credentials and the DTLS fingerprint),
 * or null when it can: so that such an offer is refused at once with `400 invalid_sdp` instead
 * of failing later as `media_failed`.
 */
export function offerTransportProblem(audio: OfferMediaSection): string | null {
  return (
    iceCredentialProblem('ice-ufrag', audio.iceUfrag, ICE_UFRAG_LENGTH) ??
    iceCredentialProblem('ice-pwd', audio.icePwd, ICE_PWD_LENGTH) ??
    fingerprintProblem(audio.fingerprints)
  );
}
