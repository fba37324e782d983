import type { CpuProfile } from './inspector';

export interface ProfileEntry {
  name: string;
  /** CPU time in ms over the profile (self or inclusive, see the list). */
  ms: number;
  /** Share of the busy (non-idle) time, in %. */
  pct: number;
}

export interface ProfileSummary {
  durationMs: number;
  busyMs: number;
  /** Self time by area (werift SRTP, DTLS, ICE, RTP, Opus, logging, app, GC, ...). */
  byArea: ProfileEntry[];
  /** Self time by function (top N). */
  topSelf: ProfileEntry[];
  /** Inclusive time of the functions that head each stage of the media path. */
  inclusive: ProfileEntry[];
}

/** Which part of the server a profile frame belongs to, from its script URL and name. */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(program)') return 'native/other (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const werift = /node_modules\/werift\/lib\/([^/]+)\/(?:src\/)?([^/]+)/.exec(url);
  if (werift) {
    const [, pkg, sub] = werift;
    if (pkg === 'rtp' && /srtp|srtcp|cipher/i.test(url)) return 'werift SRTP/SRTCP';
    if (pkg === 'dtls') return 'werift DTLS';
    if (pkg === 'ice') return 'werift ICE/STUN';
    if (pkg === 'rtp') return `werift RTP/RTCP (${sub})`;
    if (pkg === 'common') return 'werift common (events, buffers)';
    return `werift ${pkg}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg === '@discordjs/opus') return 'Opus decode (@discordjs/opus)';
  if (pkg === 'rxjs') return 'rxjs';
  if (pkg && pkg.startsWith('@nestjs')) return 'NestJS';
  if (pkg === 'express' || pkg === 'router' || pkg === 'body-parser') return 'express';
  if (pkg === 'openai') return 'openai SDK';
  if (pkg) return `npm: ${pkg}`;
  if (url.includes('/json-logger')) return 'app: logging';
  if (url.includes('/audio-pipeline/')) return 'app: audio pipeline';
  if (url.includes('/dist/apps/api/') || url.includes('/apps/api/')) return 'app: other';
  if (url.startsWith('node:internal/crypto') || url === 'node:crypto') return 'node crypto';
  if (/node:(internal\/)?(dgram|net|dns|stream)/.test(url)) return 'node dgram/net/streams';
  if (/node:(internal\/)?(timers|process\/task_queues)/.test(url)) return 'node timers/microtasks';
  if (url.startsWith('node:'))
    return `node: ${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  return url;
}

/** Self and inclusive CPU time of a V8 CPU profile, by area and by function. */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const totalHits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
  const msPerHit = durationMs / totalHits;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const idleHits = profile.nodes
    .filter((n) => n.callFrame.functionName === '(idle)')
    .reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const busyMs = (totalHits - idleHits) * msPerHit;
  const entry = (name: string, ms: number): ProfileEntry => ({
    name,
    ms: Math.round(ms * 10) / 10,
    pct: busyMs > 0 ? Math.round((ms / busyMs) * 1000) / 10 : 0,
  });

  const area = new Map<string, number>();
  const self = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const { url, functionName, lineNumber } = n.callFrame;
    const a = areaOf(url, functionName);
    if (a === 'idle') continue;
    area.set(a, (area.get(a) ?? 0) + hits * msPerHit);
    const short = url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
    const key =
      `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + hits * msPerHit);
  }

  // Inclusive time: a sample counts once for every distinct function on its stack.
  const inclusive = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits || n.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame) break;
      const key = inclusiveKey(frame.url, frame.functionName);
      if (key && !seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + hits * msPerHit);
      }
    }
  }
  const sorted = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => entry(name, ms));
  return {
    durationMs: Math.round(durationMs),
    busyMs: Math.round(busyMs),
    byArea: sorted(area, 40),
    topSelf: sorted(self, top),
    inclusive: sorted(inclusive, 40),
  };
}

/** The media-path functions whose inclusive time is worth reading, by a stable name. */
function inclusiveKey(url: string, fn: string): string | null {
  const file = url.replace(/^.*\//, '');
  const rules: Array<[RegExp, RegExp, string]> = [
    [/^srtp/, /decrypt/i, 'SRTP decrypt (werift)'],
    [
      /^(context|ctr|gcm)/,
      /decrypt|generateCounter|generateSrtpAuthTag|auth/i,
      'SRTP cipher/auth (werift)',
    ],
    [/^srtcp/, /./, 'SRTCP (werift)'],
    [
      /^(dtls|srtp)Transport|^dtls\.js$/,
      /onRtp|handleRtp|rtp/i,
      'DTLS transport RTP demux (werift)',
    ],
    [
      /^rtpReceiver/,
      /handleRtp|handleRtpBySsrc|handleRtpByRid|onRtp/,
      'RtpReceiver.handleRtp (werift)',
    ],
    [/^rtp\.js$/, /deSerialize|deserialize/, 'RtpPacket.deSerialize (werift)'],
    [/^rtcp/, /./, 'RTCP (werift)'],
    [/^(ice|stun|connection|candidatePair)/, /./, 'ICE/STUN (werift)'],
    [/^audio-pipeline\.js$/, /push/, 'AudioPipeline.push (app)'],
    [/^opus-decode\.stage\.js$/, /push/, 'OpusDecodeStage.push (app, includes libopus)'],
    [/^rtp-reorder\.js$/, /push/, 'RtpReorderBuffer.push (app)'],
    [/^segmenter\.js$/, /push|cut/, 'Segmenter (app)'],
    [/^session-transcriber\.js$/, /./, 'SessionTranscriber (app, incl. engine call)'],
    [/^json-logger\.js$/, /./, 'JsonLogger (app logging)'],
    [/^signaling\.service\.js$/, /./, 'SignalingService callbacks (app)'],
    [/^dgram\.js$/, /onMessage/, 'dgram onMessage (all UDP receive work)'],
    [/^dgram\.js$/, /send/, 'dgram send'],
  ];
  for (const [fileRe, fnRe, name] of rules) {
    if (fileRe.test(file) && fnRe.test(fn)) return name;
  }
  return null;
}
