import { setTimeout as sleep } from 'node:timers/promises';
import { isPatchableWerift, weriftRequire } from './werift-internals';

/**
 * ICE that waits for the peer's own checks, for werift 0.24.
 *
 * werift's `Connection.connect()` gives up as soon as the remote side has said it has no more
 * candidates (`end-of-candidates`) and its check list is empty, or holds only pairs that
 * failed: ICE goes `checking` -> `failed` within milliseconds. That is the normal case for a
 * browser that hides its addresses: Firefox without a remembered microphone permission sends
 * only mDNS host names (`<uuid>.local`, which a server across the internet can never resolve),
 * TCP candidates and component-2 candidates, then `end-of-candidates`. Its own connectivity
 * checks do reach the server's candidates a moment later, and each one makes a
 * peer-reflexive pair (RFC 8445 §7.3.1.3) that succeeds: that is how a server on a public
 * address connects to such browsers. libwebrtc and pion keep checking until a timeout; so
 * does this patch.
 *
 * The replacement is werift's `connect()` with one change: once its own checks are spent, it
 * waits for a nominated pair (which incoming checks can still make) until the ICE session is
 * closed or {@link icePatience} ms have passed, instead of failing at the first empty or
 * failed check list. Process-wide and idempotent; only for the werift version it was written
 * against. The original stays in {@link weriftIceOriginals} for the tests.
 */

interface CandidatePairLike {
  state: number;
  component: number;
  localCandidate: { foundation: string };
  handle?: { resolve?: () => void };
  updateState(state: number): void;
}
interface PQueueLike<T> {
  get(): Promise<T>;
}
interface ConnectionLike {
  localCandidatesEnd: boolean;
  localCandidatesStart: boolean;
  remoteUsername: string;
  remotePassword: string;
  remoteCandidates: unknown[];
  checkList: CandidatePairLike[];
  earlyChecks: unknown[][];
  earlyChecksDone: boolean;
  iceLite: boolean;
  state: string;
  checkListState: PQueueLike<number>;
  pairRemoteCandidate(candidate: unknown): void;
  sortCheckList(): void;
  unfreezeInitial(): void;
  checkIncoming(...args: unknown[]): void;
  schedulingChecks(): boolean;
  queryConsent(): void;
  setState(state: string): void;
}
interface IceModule {
  Connection: { prototype: { connect(this: ConnectionLike): Promise<void> } };
}
interface IceBaseModule {
  ICE_COMPLETED: number;
  ICE_FAILED: number;
}

const iceModule = weriftRequire('../../ice/src/ice.js') as IceModule;
const iceBase = weriftRequire('../../ice/src/iceBase.js') as IceBaseModule;

/** werift's own functions, as they were before any patch. */
export const weriftIceOriginals = {
  connect: iceModule.Connection.prototype.connect,
};

/** Default of {@link icePatience}: pion's ICE failed timeout. */
export const DEFAULT_ICE_PATIENCE_MS = 25_000;

let patienceMs = DEFAULT_ICE_PATIENCE_MS;

/**
 * How long an ICE session whose own checks are spent still waits for the peer's checks to
 * make a working pair, in ms. The server sets it to its CONNECT_TIMEOUT_MS, the bound after
 * which it ends a session that never connected.
 */
export function icePatience(ms?: number): number {
  if (ms !== undefined) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ICE patience of ${ms} ms`);
    patienceMs = ms;
  }
  return patienceMs;
}

/** The next state werift reports on its check list, or `undefined` when `ms` pass first. */
async function nextCheckListState(
  connection: ConnectionLike,
  ms: number,
): Promise<number | undefined> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      connection.checkListState.get(),
      sleep(ms, undefined, { signal: timeout.signal, ref: false }),
    ]);
  } finally {
    timeout.abort();
  }
}

/** werift's `Connection.connect`, which waits for the peer's checks instead of failing at once. */
async function connect(this: ConnectionLike): Promise<void> {
  if (this.iceLite) return weriftIceOriginals.connect.call(this);
  if (!this.localCandidatesEnd && !this.localCandidatesStart) {
    throw new Error('Local candidates gathering was not performed');
  }
  if (!this.remoteUsername || !this.remotePassword) {
    throw new Error('Remote username or password is missing');
  }
  // 5.7.1. Forming Candidate Pairs
  for (const candidate of this.remoteCandidates) this.pairRemoteCandidate(candidate);
  this.sortCheckList();
  this.unfreezeInitial();
  // Checks that arrived before this point become pairs (and triggered checks) now.
  for (const earlyCheck of this.earlyChecks) this.checkIncoming(...earlyCheck);
  this.earlyChecks = [];
  this.earlyChecksDone = true;

  // 5.8. Scheduling Checks: werift's loop, which ends once no pair waits and the remote side
  // has no more candidates.
  while (this.state !== 'closed' && this.schedulingChecks()) await sleep(20);

  // The change: werift stopped here when the check list was empty, and treated the first
  // "every pair failed" as the end. The peer's checks can still make a pair that succeeds.
  const deadline = Date.now() + patienceMs;
  let result: number | undefined = iceBase.ICE_FAILED;
  while (result !== iceBase.ICE_COMPLETED && this.state !== 'closed') {
    const left = deadline - Date.now();
    if (left <= 0) break;
    result = await nextCheckListState(this, left);
  }
  for (const pair of this.checkList) pair.handle?.resolve?.();
  if (result !== iceBase.ICE_COMPLETED) {
    throw new Error(
      this.state === 'closed'
        ? 'ICE negotiation failed: closed while checking'
        : `ICE negotiation failed: no candidate pair worked within ${patienceMs} ms` +
            ` (${this.remoteCandidates.length} remote candidates, ${this.checkList.length} pairs)`,
    );
  }
  // start consent freshness tests
  this.queryConsent();
  this.setState('connected');
}

let installed = false;

/** Installs the patch into werift (once per process); false for another werift version. */
export function installWeriftIcePatience(): boolean {
  if (installed) return true;
  if (!isPatchableWerift()) return false;
  installed = true;
  iceModule.Connection.prototype.connect = connect;
  return true;
}
