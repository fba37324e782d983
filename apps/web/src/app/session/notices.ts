import { ErrorEventData } from '@whisperstream/shared-types';
import { InsecureContextError } from '../capture/microphone';
import { HttpError, ProtocolError, ServerUnreachableError } from '../connection/http';
import {
  ApiKeyRequiredError,
  SessionUnauthorizedError,
  TokenRefusedError,
  TokenUnavailableError,
} from '../connection/session-credentials';
import { formatTimeOfDay } from '../transcript/transcript-format';

export type NoticeSeverity = 'error' | 'warning' | 'info';

/** One plain-language message for the person: what happened and what to do. */
export interface Notice {
  /** Stable, for tests and for replacing a notice of the same kind. */
  code: string;
  severity: NoticeSeverity;
  message: string;
}

/** Maps anything thrown while starting, stopping or downloading to a message. */
export function noticeForError(error: unknown, nowMs: number): Notice {
  if (error instanceof InsecureContextError) {
    return {
      code: 'insecure-context',
      severity: 'error',
      message:
        'This browser only allows the microphone on secure pages. Open WhisperStream over https://, or as http://localhost on the machine running it.',
    };
  }
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        code: 'mic-denied',
        severity: 'error',
        message:
          'Microphone access is blocked. Allow the microphone for this site (the icon in the address bar, or your browser’s site settings), then press Start again.',
      };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return {
        code: 'mic-missing',
        severity: 'error',
        message:
          'No microphone was found. Plug one in or choose another one in the Microphone list, then press Start again.',
      };
    case 'NotReadableError':
    case 'AbortError':
      return {
        code: 'mic-busy',
        severity: 'error',
        message:
          'The microphone could not be opened; another app may be using it. Close that app or choose another microphone, then press Start again.',
      };
  }
  const credentialNotice = noticeForCredentialError(error);
  if (credentialNotice) {
    return credentialNotice;
  }
  if (error instanceof ServerUnreachableError) {
    return serverUnreachable();
  }
  if (error instanceof HttpError) {
    return noticeForHttpError(error, nowMs);
  }
  if (error instanceof ProtocolError) {
    return {
      code: 'protocol',
      severity: 'error',
      message:
        'The server answered in a way this page does not understand; the page may be older than the server. Reload the page and press Start again.',
    };
  }
  const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
  return {
    code: 'unexpected',
    severity: 'error',
    message: `Something went wrong${detail}. Press Start to try again; reload the page if it keeps happening.`,
  };
}

/** Why this page has no credential the server accepts, when that is what stopped it. */
function noticeForCredentialError(error: unknown): Notice | null {
  if (error instanceof ApiKeyRequiredError) {
    return {
      code: 'api-key-required',
      severity: 'error',
      message:
        'This server needs an API key, and this page has no way to get one, so it cannot start a session. Whoever runs the server can set WEB_TOKEN_URL to a sign-in service that hands this page a session token; services can use the API with a key.',
    };
  }
  if (error instanceof TokenRefusedError) {
    return {
      code: 'token-refused',
      severity: 'error',
      message: `This server needs you to be signed in, and the sign-in service refused to give this page a session token (${error.status}). Sign in again (${originOf(error.tokenUrl)}), then press Start.`,
    };
  }
  if (error instanceof TokenUnavailableError) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return {
      code: 'token-unavailable',
      severity: 'error',
      message: `This server needs a session token, and the sign-in service at ${originOf(error.tokenUrl)} did not give one${cause}. Press Start to try again; if it keeps happening, tell whoever runs the server.`,
    };
  }
  if (error instanceof SessionUnauthorizedError) {
    return error.hadCredential
      ? {
          code: 'not-authorized',
          severity: 'error',
          message:
            'The server refused this page’s session token (401): it may have expired or been used already. Press Start to try again with a new one.',
        }
      : {
          code: 'not-authorized',
          severity: 'error',
          message:
            'The server needs an API key to start a session (401), and this page has none. Whoever runs the server can set WEB_TOKEN_URL so that this page can get a session token.',
        };
  }
  return null;
}

/** Where a token URL points, for the person (a relative one is this site). */
function originOf(url: string): string {
  try {
    return /^https?:/i.test(url) ? new URL(url).host : 'this site';
  } catch {
    return url;
  }
}

export function noticeForHttpError(error: HttpError, nowMs: number): Notice {
  const retry = error.retryAfterSeconds;
  switch (error.status) {
    case 503:
      if (error.code === 'shutting_down') {
        return {
          code: 'server-restarting',
          severity: 'error',
          message: `The server is restarting. ${
            retry !== null ? retryText(retry, nowMs) : 'Wait a moment, then press Start again.'
          }`,
        };
      }
      if (error.code === 'no_engine') {
        // The server says what to install or configure: show it as it is, for whoever runs it.
        return {
          code: 'no-engine',
          severity: 'error',
          message: `The server cannot take sessions: it has no working transcription engine. Its message for whoever runs it: ${sentence(
            error.message,
          )} Press Start again once that is fixed.`,
        };
      }
      if (retry !== null) {
        return {
          code: 'session-limit',
          severity: 'error',
          message: `The server is busy: it has reached its limit of live sessions. ${retryText(retry, nowMs)}`,
        };
      }
      return {
        code: 'server-busy',
        severity: 'error',
        message:
          'The server cannot take a session right now (busy, or its transcription engine is not ready). Wait a moment, then press Start again.',
      };
    case 429:
      return {
        code: 'rate-limited',
        severity: 'error',
        message: `Too many sessions were started from here in a short time. ${
          retry !== null ? retryText(retry, nowMs) : 'Wait a minute, then press Start again.'
        }`,
      };
    case 502:
    case 504:
      return serverUnreachable();
    case 401:
    case 403:
    case 404:
    case 410:
      return {
        code: 'session-rejected',
        severity: 'error',
        message:
          'The server no longer accepts this session (it may have expired or been closed). Press Start to begin a new one.',
      };
  }
  if (error.status >= 500) {
    return {
      code: 'server-error',
      severity: 'error',
      message: `The server had a problem (${error.message}). Press Start to try again; if it keeps happening, the server’s logs will say why.`,
    };
  }
  return {
    code: 'request-rejected',
    severity: 'error',
    message: `The server refused the request (${error.message}). Reload the page and press Start again.`,
  };
}

/**
 * Codes of the `error` event the server publishes (without `segmentId`, not retryable) when it
 * ends a session itself, just before the closing `session` states and `end`; each with why, in
 * words for the person.
 */
/** What to check when the audio connection never came up: the network path, then TURN. */
const CONNECT_CHECKS =
  'Check that your network or firewall lets WebRTC (UDP) traffic through to the server; where UDP is blocked, the server needs a TURN server (ask whoever runs it).';

const SESSION_END_REASONS: Readonly<Record<string, string>> = {
  server_shutdown: 'because it is shutting down (a restart or maintenance)',
  offer_timeout: 'because this page could not connect to it in time',
  connect_timeout: 'because this page could not connect to the server’s audio port in time',
  connect_failed: 'because this page could not connect to the server’s audio port',
  media_timeout: 'because no audio arrived from this page for too long',
  socket_gone: 'because the connection to this page was lost and did not come back',
  media_failed: 'because the audio connection to this page was lost',
};

/** What to check, for the reasons that have something to check. */
const SESSION_END_ADVICE: Readonly<Record<string, string>> = {
  connect_timeout: CONNECT_CHECKS,
  connect_failed: CONNECT_CHECKS,
};

/**
 * True for an `error` event by which the server ends the whole session (no `segmentId`), as
 * opposed to an engine failure for one segment, after which lines still arrive.
 */
export function isSessionEndError(data: ErrorEventData): boolean {
  return data.segmentId === undefined && (!data.retryable || data.code in SESSION_END_REASONS);
}

/** The server ended the session on its own: why, and that Start begins a new one. */
export function noticeForSessionEnd(data: ErrorEventData | null): Notice {
  const known = data ? SESSION_END_REASONS[data.code] : undefined;
  const why = known
    ? ` ${known}`
    : data?.message
      ? ` (${data.message})`
      : ' (a time limit, or a restart)';
  const advice = data && SESSION_END_ADVICE[data.code] ? `${SESSION_END_ADVICE[data.code]} ` : '';
  return {
    code: 'session-closed',
    severity: 'error',
    message: `The server closed this session${why}. ${advice}Your transcript stays here and can still be downloaded; press Start to begin a new session.`,
  };
}

/** An `error` event for one segment: the transcription engine failed on it. */
export function noticeForEngineError(data: ErrorEventData): Notice {
  if (data.retryable) {
    return {
      code: 'engine-retrying',
      severity: 'warning',
      message: `The transcription engine is having trouble (${data.message}). Keep talking: your speech is kept, and its lines will still arrive when the engine recovers.`,
    };
  }
  const part =
    data.segmentId !== undefined ? 'Part of what you said could not be transcribed. ' : '';
  return {
    code: 'engine-failed',
    severity: 'error',
    message: `The transcription engine failed (${data.message}). ${part}Press Stop, then Start to try again.`,
  };
}

export const NOTICES = {
  sessionClosedByServer: noticeForSessionEnd(null),
  serverGone: {
    code: 'server-unreachable',
    severity: 'error',
    message:
      'The WhisperStream server cannot be reached any more, so this session has ended (the server may have stopped or crashed, or your connection dropped). Check that the server is running and that you are online, then press Start to begin a new session. Your transcript stays here.',
  },
  connectionFailed: {
    code: 'connection-failed',
    severity: 'error',
    message: `This page could not connect to the server’s audio port. ${CONNECT_CHECKS} Then press Start to try again.`,
  },
  connectionLost: {
    code: 'connection-lost',
    severity: 'error',
    message:
      'The audio connection to the server was lost. Check your network, then press Start to begin a new session. Your transcript stays here.',
  },
  connectionTimeout: {
    code: 'connection-timeout',
    severity: 'error',
    message: `This page could not connect to the server’s audio port in time. ${CONNECT_CHECKS} Then press Start to try again.`,
  },
  streamLost: {
    code: 'stream-lost',
    severity: 'error',
    message:
      'The live text stopped arriving and could not reconnect. Check your connection, then press Stop and Start. Downloads still contain everything the server transcribed.',
  },
  micEnded: {
    code: 'mic-ended',
    severity: 'error',
    message:
      'The microphone stopped (unplugged, or taken by another app). Press Stop, choose a microphone, then press Start.',
  },
  copyFailed: {
    code: 'copy-failed',
    severity: 'warning',
    message: 'This browser did not allow copying. Use “Download TXT” instead.',
  },
  transcriptGone: {
    code: 'transcript-gone',
    severity: 'error',
    message:
      'The server no longer has this transcript (sessions are kept for a limited time). Use Copy to keep what is on screen.',
  },
} as const satisfies Record<string, Notice>;

/** A message from the server over the signaling socket. */
export function noticeForServerMessage(code: string, message: string): Notice {
  return {
    code: `server-${code}`,
    severity: 'warning',
    message: `The server reported a problem with the connection: ${message}`,
  };
}

function serverUnreachable(): Notice {
  return {
    code: 'server-unreachable',
    severity: 'error',
    message:
      'The WhisperStream server cannot be reached. Check that it is running and that you are online, then press Start again.',
  };
}

/** The text as a sentence: capitalised, with a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) {
    return 'no reason given.';
  }
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function retryText(seconds: number, nowMs: number): string {
  const at = formatTimeOfDay(new Date(nowMs + seconds * 1000));
  return `Try again in ${describeDelay(seconds)} (at ${at}).`;
}

export function describeDelay(seconds: number): string {
  if (seconds <= 1) {
    return '1 second';
  }
  if (seconds < 60) {
    return `${seconds} seconds`;
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) {
    return minutes === 1 ? 'about a minute' : `about ${minutes} minutes`;
  }
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? 'about an hour' : `about ${hours} hours`;
}

function errorName(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'name' in error) {
    const name = (error as { name: unknown }).name;
    return typeof name === 'string' ? name : null;
  }
  return null;
}
