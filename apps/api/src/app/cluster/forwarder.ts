import type { IncomingMessage } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { ApiErrorBodySchema } from '@whisperstream/shared-types';
import type { Request } from 'express';
import { WebSocket, type RawData } from 'ws';
import { ApiError } from '../common/api-error';
import { NodeMembership } from './node-membership';

/** Marks a call one node forwarded to another: it is never forwarded again. */
export const FORWARDED_BY = 'x-whisperstream-forwarded-by';

/** How long a forwarded HTTP call may take. */
const FORWARD_TIMEOUT_MS = 15_000;

/** The node that holds a session, as the registry says. */
export interface SessionHome {
  node: string;
  nodeUrl: string;
}

const nodeUnreachable = () =>
  new ApiError(
    503,
    'node_unreachable',
    'the server node that holds this session cannot be reached; try again shortly',
    { 'Retry-After': '2' },
  );

/**
 * Forwards the calls that need a session's media (the offer, DELETE, the signaling WebSocket)
 * to the API node that holds it, so that a load balancer needs no stickiness. This node has
 * already checked the token and the Origin; the forwarded call carries no Origin (the token
 * authorises it) and is marked, so that it is never forwarded twice.
 */
@Injectable()
export class ClusterForwarder {
  readonly #logger = new Logger(ClusterForwarder.name);

  constructor(private readonly membership: NodeMembership) {}

  /** Whether this request came from another node (and must be answered here). */
  static wasForwarded(request: { headers: IncomingMessage['headers'] }): boolean {
    return request.headers[FORWARDED_BY] !== undefined;
  }

  /**
   * Makes the same call on the holding node and returns what it answered: the JSON body of a
   * 2xx (undefined when there is none), or its error, thrown as the same ApiError (status, code,
   * message, headers), so that the client cannot tell which node answered.
   */
  async http(home: SessionHome, req: Request, body?: unknown): Promise<unknown> {
    if (ClusterForwarder.wasForwarded(req)) throw nodeUnreachable(); // registry and nodes disagree
    const headers: Record<string, string> = { [FORWARDED_BY]: this.membership.nodeId };
    for (const name of ['authorization', 'content-type', 'x-request-id']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    let response: globalThis.Response;
    let text: string;
    try {
      response = await fetch(new URL(req.originalUrl, home.nodeUrl), {
        method: req.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      this.#logger.warn({ msg: 'forwarding failed', node: home.node, error: String(error) });
      throw nodeUnreachable();
    }
    const json = parseJson(text);
    if (response.ok) return json;
    const error = ApiErrorBodySchema.safeParse(json);
    const passOn: Record<string, string> = {};
    for (const name of ['retry-after', 'www-authenticate']) {
      const value = response.headers.get(name);
      if (value) passOn[name] = value;
    }
    throw error.success
      ? new ApiError(response.status, error.data.error.code, error.data.error.message, passOn)
      : new ApiError(502, 'node_failed', 'the server node that holds this session failed');
  }

  /**
   * Joins the client's signaling socket to the holding node's: messages both ways, in order
   * (the client's wait until the other side is open), and a close on either side closes the
   * other with its code.
   */
  websocket(home: SessionHome, client: WebSocket, request: IncomingMessage): void {
    const target = new URL(request.url ?? '/ws', home.nodeUrl);
    target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    const upstream = new WebSocket(target, {
      headers: { [FORWARDED_BY]: this.membership.nodeId },
      handshakeTimeout: FORWARD_TIMEOUT_MS,
    });
    const waiting: Array<{ data: RawData; isBinary: boolean }> = [];
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else waiting.push({ data, isBinary });
    });
    upstream.on('open', () => {
      for (const { data, isBinary } of waiting.splice(0)) upstream.send(data, { binary: isBinary });
    });
    upstream.on('message', (data, isBinary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    const closeCode = (code: number) =>
      code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1011;
    upstream.on('close', (code, reason) => {
      if (client.readyState === WebSocket.OPEN) client.close(closeCode(code), reason.toString());
    });
    upstream.on('error', (error) => {
      this.#logger.warn({ msg: 'forwarded socket failed', node: home.node, error: error.message });
      if (client.readyState === WebSocket.OPEN) {
        client.close(1011, 'the server node that holds this session cannot be reached');
      }
    });
    client.on('close', (code, reason) => {
      if (upstream.readyState === WebSocket.OPEN)
        upstream.close(closeCode(code), reason.toString());
      else if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
    });
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
