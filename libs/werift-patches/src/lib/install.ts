import { disableWeriftDefaultStun } from './default-stun';
import { installWeriftDtlsStartup } from './dtls-startup';
import { installWeriftFastPaths } from './fast-paths';
import { installWeriftIcePatience } from './ice-patience';
import { installWeriftReceivePath } from './receive-path';
import { WERIFT_VERSION } from './werift-internals';

/** Which patches are in place (the version-guarded ones are false on another werift). */
export interface WeriftPatchesInstalled {
  noDefaultStun: true;
  fastPaths: boolean;
  dtlsStartup: boolean;
  receivePath: boolean;
  icePatience: boolean;
}

/**
 * Installs every werift runtime patch of this library, once per process: the server's
 * PeerConnectionFactory and the test and load clients call it before their first peer
 * connection. The version-guarded patches leave another werift version as it is.
 */
export function installWeriftPatches(): WeriftPatchesInstalled {
  disableWeriftDefaultStun();
  return {
    noDefaultStun: true,
    fastPaths: installWeriftFastPaths(),
    dtlsStartup: installWeriftDtlsStartup(),
    receivePath: installWeriftReceivePath(),
    icePatience: installWeriftIcePatience(),
  };
}

/** What each version-guarded patch does for the server, in a few words (for the start warning). */
export const PATCH_PURPOSES: Readonly<
  Record<Exclude<keyof WeriftPatchesInstalled, 'noDefaultStun'>, string>
> = {
  fastPaths: 'cheaper RTP parsing and DTLS key exchange',
  dtlsStartup: 'media within about 100 ms of ICE connecting instead of a 1 s DTLS retransmission',
  receivePath: 'the lighter per-packet receive path',
  icePatience: 'connecting to browsers that send only mDNS candidates (most Firefox users)',
};

/**
 * The version-guarded patches that did not apply (another werift version), each with what is
 * lost, as one warning for the server's log; undefined when all applied.
 */
export function patchesNotAppliedWarning(
  installed: WeriftPatchesInstalled,
  version = WERIFT_VERSION,
): { msg: string; weriftVersion: string; notApplied: string[] } | undefined {
  const missing = (Object.keys(PATCH_PURPOSES) as Array<keyof typeof PATCH_PURPOSES>).filter(
    (name) => !installed[name],
  );
  if (missing.length === 0) return undefined;
  return {
    msg: `werift ${version} is not the version these patches were written for (0.24.x): running without ${missing
      .map((name) => `${name} (${PATCH_PURPOSES[name]})`)
      .join(', ')}`,
    weriftVersion: version,
    notApplied: missing,
  };
}
