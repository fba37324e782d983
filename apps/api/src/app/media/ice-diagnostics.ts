import type { RTCPeerConnection } from 'werift';

interface IceConnectionLike {
  checkList?: Array<{ requestsReceived?: number }>;
  earlyChecks?: unknown[];
}
interface IceTransportLike {
  connection?: IceConnectionLike;
}

/**
 * How many ICE connectivity checks (STUN binding requests) the peer sent that reached this
 * peer connection, read from werift's candidate pairs: 0 after a failure means the client's
 * packets never arrived (a firewall, or an address the client cannot reach). Diagnostics only;
 * 0 when werift's internals are not what this reads.
 */
export function iceChecksReceived(pc: RTCPeerConnection): number {
  const transports = (pc as unknown as { iceTransports?: IceTransportLike[] }).iceTransports ?? [];
  let checks = 0;
  for (const transport of transports) {
    const connection = transport.connection;
    for (const pair of connection?.checkList ?? []) checks += pair.requestsReceived ?? 0;
    checks += connection?.earlyChecks?.length ?? 0;
  }
  return checks;
}
