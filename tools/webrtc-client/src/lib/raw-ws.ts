import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import {
  ClientMessageSchema,
  ServerMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from '@whisperstream/shared-types';
import { parseApiErrorText } from './api-client';

export type ServerErrorMessage = Extract<ServerMessage, { type: 'error' }>;

/** One message received on the socket, with its contract check. */
export interface ReceivedMessage {
  raw: string;
  binary: boolean;
  /** The parsed message, or null when it is not in the contract (see `violation`). */
  message: ServerMessage | null;
  violation?: string;
}

export interface RawSocketOptions {
  /** Sent as the `Origin` header (the `ws` client sends none by default). */
  origin?: string;
  headers?: Record<string, string>;
  /** Handshake timeout (default 10 s). */
  timeoutMs?: number;
}

/** Either an open socket, or the HTTP answer of a refused upgrade. */
export type UpgradeResult =
  | { ok: true; socket: RawSocket }
  | {
      ok: false;
      status: number;
      headers: IncomingHttpHeaders;
      body: string;
      error: { code: string; message: string } | null;
    };

/** `ws://host/ws?sessionId=&token=` from the API's base URL (null leaves a parameter out). */
export function signalingUrl(
  baseUrl: string,
  sessionId: string | null,
  token: string | null,
): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/ws`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (sessionId !== null) {
    url.searchParams.set('sessionId', sessionId);
  }
  if (token !== null) {
    url.searchParams.set('token', token);
  }
  return url.toString();
}

/**
 * Opens a WebSocket and reports a refused upgrade (401/403/...) as data instead of an error,
 * by reading the response from the `ws` package's `unexpected-response` event.
 * Rejects only on network errors and timeouts.
 */
export function openRawSocket(url: string, options: RawSocketOptions = {}): Promise<UpgradeResult> {
  return new Promise<UpgradeResult>((resolve, reject) => {
    let settled = false;
    const ws = new WebSocket(url, {
      headers: options.headers,
      origin: options.origin,
      handshakeTimeout: options.timeoutMs ?? 10_000,
    });
    const socket = new RawSocket(ws);
    ws.once('open', () => {
      settled = true;
      resolve({ ok: true, socket });
    });
    ws.once('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        settled = true;
        resolve({
          ok: false,
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          error: parseApiErrorText(body),
        });
        req.destroy();
      });
    });
    ws.on('error', (err) => {
      if (!settled) {
        settled = true;
        reject(new Error(`WebSocket ${redact(url)} failed: ${err.message}`));
      }
    });
  });
}

type Listener = (received: ReceivedMessage) => void;

/**
 * A thin wrapper around an open `ws` socket that records every message (checked against
 * ServerMessageSchema) and the close code, and can send anything, valid or not.
 */
export class RawSocket {
  readonly received: ReceivedMessage[] = [];
  closeInfo: { code: number; reason: string } | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly closeListeners: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const raw = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      const received = parseServerMessage(raw, isBinary);
      this.received.push(received);
      for (const listener of [...this.listeners]) {
        listener(received);
      }
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString('utf8') };
      for (const listener of this.closeListeners.splice(0)) {
        listener();
      }
    });
    ws.on('error', () => {
      // 'close' follows and records the outcome.
    });
  }

  /** Contract messages received so far. */
  get messages(): ServerMessage[] {
    return this.received.flatMap((r) => (r.message ? [r.message] : []));
  }

  /** `{type:'error'}` messages received so far. */
  get errors(): ServerErrorMessage[] {
    return this.messages.filter((m): m is ServerErrorMessage => m.type === 'error');
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Subscribes to received messages; returns the unsubscribe function. */
  onMessage(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a contract message (validated with ClientMessageSchema first). */
  sendMessage(message: ClientMessage): void {
    this.send(JSON.stringify(ClientMessageSchema.parse(message)));
  }

  /** Sends any value as JSON, unvalidated. */
  sendJson(value: unknown): void {
    this.send(JSON.stringify(value));
  }

  /** Sends raw text or binary data. */
  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Resolves with the first received message (past or future) that matches. */
  waitForMessage(
    predicate: (message: ServerMessage) => boolean,
    timeoutMs = 5_000,
  ): Promise<ServerMessage> {
    const found = this.messages.find(predicate);
    if (found) {
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new Error(`no matching WebSocket message within ${timeoutMs} ms; got ${this.describe()}`),
        );
      }, timeoutMs);
      const unsubscribe = this.onMessage((r) => {
        if (r.message && predicate(r.message)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(r.message);
        }
      });
    });
  }

  /** Resolves with the close code and reason once the socket is closed. */
  waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    if (this.closeInfo) {
      return Promise.resolve(this.closeInfo);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`WebSocket still open after ${timeoutMs} ms; got ${this.describe()}`)),
        timeoutMs,
      );
      this.closeListeners.push(() => {
        clearTimeout(timer);
        resolve(this.closeInfo ?? { code: 1006, reason: '' });
      });
    });
  }

  /** Closes the socket (idempotent). */
  close(code = 1000, reason = ''): void {
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    } else if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(code, reason);
    }
  }

  /** Terminates the connection without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  describe(): string {
    const lines = this.received.map(
      (r) => r.raw.slice(0, 200) + (r.violation ? ' (VIOLATION)' : ''),
    );
    return `${lines.length} message(s)${lines.length ? ': ' + lines.join(' | ') : ''}${
      this.closeInfo ? `; closed ${this.closeInfo.code} ${this.closeInfo.reason}` : ''
    }`;
  }
}

function parseServerMessage(raw: string, binary: boolean): ReceivedMessage {
  if (binary) {
    return { raw, binary, message: null, violation: 'binary message' };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { raw, binary, message: null, violation: 'not JSON' };
  }
  const parsed = ServerMessageSchema.safeParse(json);
  return parsed.success
    ? { raw, binary, message: parsed.data }
    : { raw, binary, message: null, violation: parsed.error.message.replace(/\s+/g, ' ') };
}

function redact(url: string): string {
  return url.replace(/([?&]token=)[^&]*/, '$1***');
}
