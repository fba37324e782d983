import { Connection } from 'werift';

let installed = false;

/**
 * werift 0.24's ICE `Connection` falls back to `stun.l.google.com:19302` when no STUN server
 * is configured (even with `iceServers: []`): every peer connection then resolves that name
 * and, where DNS answers, sends STUN to it, and gathering waits up to 5 s for it. A load
 * generator must keep all its traffic on loopback, so this drops the fallback (a STUN server
 * that was configured on purpose is kept). Process-wide and idempotent.
 */
export function disableWeriftDefaultStun(): void {
  if (installed) {
    return;
  }
  installed = true;
  const proto = Connection.prototype as unknown as {
    gatherCandidates(this: GatheringConnection): Promise<void>;
  };
  const original = proto.gatherCandidates;
  proto.gatherCandidates = function (this: GatheringConnection): Promise<void> {
    if (!this.options?.stunServer) {
      this.stunServer = undefined;
    }
    return original.call(this);
  };
}

interface GatheringConnection {
  stunServer?: unknown;
  options?: { stunServer?: unknown };
}
