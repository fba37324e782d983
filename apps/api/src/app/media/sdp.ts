/**
 * Whether an SDP offer has an active audio m-line that offers Opus. A quick text check
 * before the offer reaches werift, so that a video-only or codec-less offer gets a clear 400.
 */
export function offersOpusAudio(sdp: string): boolean {
  const sections = sdp.split(/\r?\n(?=m=)/);
  return sections.some((section) => {
    const mline = /^m=audio (\d+) [A-Z/]+ ([\d ]+)/.exec(section);
    if (!mline || mline[1] === '0') return false;
    const payloadTypes = new Set(mline[2].trim().split(/\s+/));
    return [...section.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].some((m) =>
      payloadTypes.has(m[1]),
    );
  });
}

/** The barest structural check: a session description starts with `v=0` and has an m-line. */
export function looksLikeSdp(sdp: string): boolean {
  return /^v=0\r?\n/.test(sdp) && /\r?\nm=/.test(sdp) && /\r?\no=/.test(sdp);
}
