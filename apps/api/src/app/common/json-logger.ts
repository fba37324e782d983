import type { LoggerService, LogLevel } from '@nestjs/common';

const ORDER = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof ORDER)[number];

const NEST_TO_LEVEL: Record<LogLevel, Level> = {
  verbose: 'debug',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};

const NEST_STARTUP_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
]);

/** Keys that must never reach a log line, whatever a caller passes. */
const REDACTED_KEYS = new Set(['token', 'authorization', 'text', 'transcript', 'apiKey']);

/**
 * One JSON object per line on stdout: time, level, context, msg and any structured fields.
 * Callers log objects (`{ msg, sessionId, ... }`); tokens and transcript text are dropped.
 */
export class JsonLogger implements LoggerService {
  readonly #minimum: number;

  constructor(
    level: Level | 'silent' = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {
    this.#minimum = level === 'silent' ? Infinity : ORDER.indexOf(level);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.#emit('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.#emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.#emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.#emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.#emit('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.#emit('fatal', message, rest);
  }

  #emit(nestLevel: LogLevel, message: unknown, rest: unknown[]): void {
    // Nest's start-up chatter (one line per module and route) is debug detail.
    const chatty =
      typeof rest[rest.length - 1] === 'string' &&
      NEST_STARTUP_CONTEXTS.has(rest[rest.length - 1] as string);
    const level = chatty && nestLevel === 'log' ? 'debug' : NEST_TO_LEVEL[nestLevel];
    if (ORDER.indexOf(level) < this.#minimum) return;
    // Nest passes the context as the last string argument (and a stack before it for errors).
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level };
    if (context) record['context'] = context;
    if (message && typeof message === 'object' && !(message instanceof Error)) {
      for (const [key, value] of Object.entries(message)) {
        if (!REDACTED_KEYS.has(key)) record[key] = value;
      }
    } else if (message instanceof Error) {
      record['msg'] = message.message;
      record['stack'] = message.stack;
    } else {
      record['msg'] = String(message);
    }
    const stack = rest.find((item) => typeof item === 'string');
    if (stack && level === 'error') record['stack'] = stack;
    this.write(JSON.stringify(record));
  }
}
