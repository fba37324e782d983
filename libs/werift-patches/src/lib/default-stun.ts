import { Connection } from 'werift';

interface GatheringConnection {
  stunServer?: unknown;
  options?: { stunServer?: unknown };
}

let installed = false;

/**
 * werift 0.24's ICE `Connection` falls back to `stun.l.google.com:19302` when no STUN server is
 * configured, even with `iceServers: []`: every peer connection would resolve that name and
 * send STUN to Google, and gathering can wait up to 5 s for it. This drops the fallback; a STUN
 * server configured on purpose is kept. The server uses exactly the STUN/TURN servers of
 * ICE_SERVERS, and the test and load clients keep all their traffic on the machine.
 * Process-wide and idempotent.
 */
export function disableWeriftDefaultStun(): void {
  if (installed) return;
  installed = true;
  const proto = Connection.prototype as unknown as {
    gatherCandidates(this: GatheringConnection): Promise<void>;
  };
  const original = proto.gatherCandidates;
  proto.gatherCandidates = function (this: GatheringConnection): Promise<void> {
    if (!this.options?.stunServer) this.stunServer = undefined;
    return original.call(this);
  };
}
