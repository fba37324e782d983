// Preloaded into the server by `bench --server-preload no-default-stun` (NODE_OPTIONS=--require)
// to measure a recommended server change without editing apps/api: werift 0.24 falls back to
// stun.l.google.com:19302 when no STUN server is configured, and ICE gathering (hence the SDP
// answer) waits up to 5 s for it. This drops the fallback; a configured STUN server is kept.
'use strict';
const { Connection } = require('werift');
const original = Connection.prototype.gatherCandidates;
Connection.prototype.gatherCandidates = function gatherCandidates() {
  if (!this.options || !this.options.stunServer) this.stunServer = undefined;
  return original.call(this);
};
