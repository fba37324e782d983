import { ConfigError, loadConfig } from './config.schema';

describe(loadConfig.name, () => {
  it('applies the documented defaults to an empty environment', () => {
    const sut = loadConfig({});
    expect(sut).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      ICE_SERVERS: [],
      ICE_HOST_ADDRESSES: [],
      TRANSCRIPTION_ENGINE: 'auto',
      OPENAI_TRANSCRIPTION_MODEL: 'whisper-1',
      OPENAI_TIMEOUT_MS: 30000,
      OPENAI_MAX_RETRIES: 2,
      SEGMENTATION: 'vad',
      PARTIALS: 'auto',
      PARTIAL_INTERVAL_MS: 1000,
      FIXED_CHUNK_MS: 3000,
      SESSION_RETENTION_MS: 600000,
      SESSION_RETENTION_MAX: 1000,
      LOG_LEVEL: 'info',
    });
    expect(sut.ICE_PORT_RANGE).toBeUndefined();
    expect(sut.ICE_RESOLVE_MDNS).toBe(false);
  });

  it('reads ICE_RESOLVE_MDNS as a boolean and names a bad value', () => {
    expect(loadConfig({ ICE_RESOLVE_MDNS: 'true' }).ICE_RESOLVE_MDNS).toBe(true);
    expect(loadConfig({ ICE_RESOLVE_MDNS: 'false' }).ICE_RESOLVE_MDNS).toBe(false);
    expect(() => loadConfig({ ICE_RESOLVE_MDNS: 'yes' })).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^ICE_RESOLVE_MDNS: /)] }),
    );
  });

  it('reads SESSION_RETENTION_MAX (0: keep no ended session) and names a bad value', () => {
    expect(loadConfig({ SESSION_RETENTION_MAX: '0' }).SESSION_RETENTION_MAX).toBe(0);
    expect(loadConfig({ SESSION_RETENTION_MAX: '50' }).SESSION_RETENTION_MAX).toBe(50);
    for (const bad of ['-1', 'many', '1.5']) {
      expect(() => loadConfig({ SESSION_RETENTION_MAX: bad })).toThrow(
        expect.objectContaining({ problems: [expect.stringMatching(/^SESSION_RETENTION_MAX: /)] }),
      );
    }
  });

  it('parses lists, port ranges and ICE servers', () => {
    const sut = loadConfig({
      ICE_HOST_ADDRESSES: '127.0.0.1, 10.0.0.5',
      ICE_PORT_RANGE: '40000-40999',
      ICE_SERVERS: '[{"urls":"stun:stun.example.org:3478"}]',
      ALLOWED_ORIGINS: 'https://a.example,https://b.example',
    });
    expect(sut.ICE_HOST_ADDRESSES).toEqual(['127.0.0.1', '10.0.0.5']);
    expect(sut.ICE_PORT_RANGE).toEqual([40000, 40999]);
    expect(sut.ICE_SERVERS).toEqual([{ urls: 'stun:stun.example.org:3478' }]);
    expect(sut.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ICE_PORT_RANGE: '5-4', ICE_SERVERS: 'nope', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'ICE_PORT_RANGE', 'ICE_SERVERS', 'LOG_LEVEL']) {
      expect(problems).toContain(name);
    }
  });

  it('names bad segmentation and partial settings', () => {
    expect(() =>
      loadConfig({
        SEGMENTATION: 'smart',
        PARTIALS: 'maybe',
        PARTIAL_INTERVAL_MS: '5',
        VAD_BATCH_MS: '-1',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/^SEGMENTATION: /),
          expect.stringMatching(/^PARTIALS: /),
          expect.stringMatching(/^PARTIAL_INTERVAL_MS: /),
          expect.stringMatching(/^VAD_BATCH_MS: /),
        ],
      }),
    );
  });

  it('wants both TLS files or neither, naming the missing one', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: '/etc/cert.pem' })).toThrow(/TLS_KEY_FILE/);
    expect(() => loadConfig({ TLS_KEY_FILE: '/etc/key.pem' })).toThrow(/TLS_CERT_FILE/);
    const sut = loadConfig({ TLS_CERT_FILE: '/etc/cert.pem', TLS_KEY_FILE: '/etc/key.pem' });
    expect([sut.TLS_CERT_FILE, sut.TLS_KEY_FILE]).toEqual(['/etc/cert.pem', '/etc/key.pem']);
  });

  it('refuses the openai engine without a key or base URL', () => {
    expect(() => loadConfig({ TRANSCRIPTION_ENGINE: 'openai' })).toThrow(/OPENAI_API_KEY/);
    expect(loadConfig({ TRANSCRIPTION_ENGINE: 'openai', OPENAI_API_KEY: 'k' }).OPENAI_API_KEY).toBe(
      'k',
    );
  });

  it('reads the cluster settings and refuses a cluster role without Redis', () => {
    const sut = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6380', ROLE: 'worker', NODE_ID: 'w1' });
    expect(sut).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6380',
      ROLE: 'worker',
      NODE_ID: 'w1',
      NODE_HEARTBEAT_MS: 1000,
      NODE_LOST_MS: 5000,
      ENGINE_JOB_LOCK_MS: 10_000,
    });
    expect(loadConfig({}).ROLE).toBe('all');
    expect(loadConfig({}).REDIS_URL).toBeUndefined();
    expect(loadConfig({}).NODE_ID).toMatch(/^[A-Za-z0-9._-]+-\d+$/);
    expect(() => loadConfig({ ROLE: 'api' })).toThrow(/ROLE: "api" .* needs REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ NODE_HEARTBEAT_MS: '3000', NODE_LOST_MS: '4000' })).toThrow(
      /NODE_LOST_MS/,
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ OPENAI_BASE_URL: '', ICE_PORT_RANGE: '' }).OPENAI_BASE_URL).toBeUndefined();
  });
});
