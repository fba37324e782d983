import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';

export interface TestCertificate {
  /** PEM files for the server's TLS_CERT_FILE and TLS_KEY_FILE. */
  certFile: string;
  keyFile: string;
  /** The certificate (PEM), for clients to trust: `ca` of https/ws, or `trustingFetch`. */
  cert: string;
  /** The server's environment for HTTPS with this certificate. */
  env: { TLS_CERT_FILE: string; TLS_KEY_FILE: string };
  remove: () => void;
}

/**
 * A self-signed certificate for `localhost` and 127.0.0.1, made with openssl (EC P-256, one day),
 * for a test's own HTTPS server. Clients trust exactly it (never `rejectUnauthorized: false`
 * where a `ca` can be given).
 */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'whisperstream-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, 'utf8'),
    env: { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A fetch that trusts `cert` (and the usual roots): for the OpenAI SDK (`fetch` option) and plain
 * requests to a test's HTTPS server.
 */
export function trustingFetch(cert: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: cert } });
  return ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as typeof fetch;
}
