import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FakeOpenAiServer, type RecognizerName } from '@whisperstream/fake-openai';
import { startServer, WORKSPACE, type RunningServer } from '@whisperstream/server-harness';

export const WEB_ROOT = resolve(WORKSPACE, 'dist/apps/web/browser');
const API_KEY = 'sk-web-e2e';

/** The built server serving the built web app, with a fake OpenAI engine on loopback. */
export interface Stack {
  server: RunningServer;
  fake: FakeOpenAiServer;
  baseUrl: string;
  /** Stops the server (if still running) and the fake engine. Safe to call twice. */
  close: () => Promise<void>;
}

export async function startStack(
  options: { env?: Record<string, string>; recognizer?: RecognizerName } = {},
): Promise<Stack> {
  if (!existsSync(resolve(WEB_ROOT, 'index.html'))) {
    throw new Error(
      `${WEB_ROOT}/index.html is missing: build the web app first (nx run web:build)`,
    );
  }
  const fake = await FakeOpenAiServer.start({
    apiKey: API_KEY,
    recognizer: options.recognizer ?? 'auto',
  });
  let server: RunningServer;
  try {
    server = await startServer({
      WEB_ROOT,
      TRANSCRIPTION_ENGINE: 'openai', // the fake engine, even where a local one is usable
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseUrl,
      ...options.env,
    });
  } catch (error) {
    await fake.close();
    throw error;
  }
  return {
    server,
    fake,
    baseUrl: server.baseUrl,
    close: async () => {
      await server.stop();
      await fake.close();
    },
  };
}
