import type { Rng } from './rng';

/** The kinds of hostile text a value can be replaced with. */
export type TextKind =
  'empty' | 'huge' | 'binary' | 'unicode' | 'whitespace' | 'number' | 'format' | 'ascii';

export const TEXT_KINDS: readonly TextKind[] = [
  'empty',
  'huge',
  'binary',
  'unicode',
  'whitespace',
  'number',
  'format',
  'ascii',
];

/** Numbers at edges: signs, 16/31/32/53-bit limits, floats, exponents. */
export const EDGE_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  2,
  127,
  128,
  255,
  256,
  1023,
  1024,
  65535,
  65536,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 31),
  -(2 ** 53),
  0.5,
  1e-7,
  1e21,
  1.7e308,
];

const UNICODE_SAMPLES = [
  'é',
  'ß',
  '日本語',
  '😀',
  '👩‍👩‍👧‍👦',
  '\u202eevil',
  'a\u0301\u0301\u0301',
  '\ufeff',
  '\u2028',
  '\u0000',
  '\ud800',
  '\udfff',
  'Ω≈ç√',
  '\uffff',
  'İ',
];

const FORMAT_SAMPLES = [
  '%s%s%s%n',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  'null',
  'undefined',
  'NaN',
  'true',
  '[]',
  '{}',
  '\\',
  '"',
  '\r\n\r\n',
  '%00',
  '%',
  '%zz',
  '%C0%AF',
  '%ED%A0%80',
];

/** A hostile text of `kind`; `hugeLength` bounds the huge ones (default up to 20,000). */
export function hostileText(rng: Rng, kind: TextKind, hugeLength = 20_000): string {
  switch (kind) {
    case 'empty':
      return '';
    case 'huge': {
      const length = rng.int(1000, hugeLength);
      return rng.bool()
        ? rng.pick(['A', '9', ':', ' ', 'é']).repeat(length)
        : rng.chars(length, ALNUM);
    }
    case 'binary': {
      // Control characters, DEL, latin-1 high bytes, as JavaScript text.
      let out = '';
      const length = rng.int(1, 64);
      for (let i = 0; i < length; i++) out += String.fromCharCode(rng.pick(BINARY_CODES));
      return out;
    }
    case 'unicode': {
      let out = '';
      const parts = rng.int(1, 8);
      for (let i = 0; i < parts; i++) out += rng.pick(UNICODE_SAMPLES);
      return out;
    }
    case 'whitespace':
      return rng.pick([' ', '\t', '  x  ', ' \t ', '\u00a0', '\u3000', '\v\f']);
    case 'number':
      return String(rng.pick(EDGE_NUMBERS));
    case 'format':
      return rng.pick(FORMAT_SAMPLES);
    case 'ascii':
      return rng.chars(rng.int(1, 40), PRINTABLE);
  }
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const PRINTABLE =
  ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
const BINARY_CODES = [0, 1, 2, 7, 8, 9, 10, 11, 12, 13, 27, 31, 127, 128, 133, 160, 173, 200, 255];

/** Any JSON value, up to `depth` levels of arrays and objects. */
export function randomJson(rng: Rng, depth = 3): unknown {
  const kind = rng.int(0, depth > 0 ? 7 : 4);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.bool();
    case 2:
      return rng.pick(EDGE_NUMBERS);
    case 3:
    case 4:
      return hostileText(rng, rng.pick(TEXT_KINDS), 500);
    case 5:
      return Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth - 1));
    default: {
      const out: Record<string, unknown> = {};
      const keys = rng.int(0, 5);
      for (let i = 0; i < keys; i++) {
        const key = rng.bool(0.3)
          ? rng.pick(['type', 'candidate', 'sdp', 'sdpMid', 'language', '__proto__', ''])
          : hostileText(rng, rng.pick(['ascii', 'unicode', 'format'] as const));
        out[key] = randomJson(rng, depth - 1);
      }
      return out;
    }
  }
}

/** `[[[...]]]` or `{"a":{"a":...}}` nested `depth` deep, as JSON text. */
export function deepJson(depth: number, style: 'array' | 'object'): string {
  return style === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}
