import { disableWeriftDefaultStun } from './default-stun';
import { installWeriftDtlsStartup } from './dtls-startup';
import { installWeriftFastPaths } from './fast-paths';
import { installWeriftIcePatience } from './ice-patience';
import { installWeriftReceivePath } from './receive-path';

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
