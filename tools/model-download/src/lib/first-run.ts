import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BASE_URL, DEFAULT_MODEL, KNOWN_MODELS, modelFileName, modelUrl } from './models';

/** What `npm start` does about a speech engine before the server starts. */
export type FirstRunPlan =
  | { action: 'nothing'; why: string }
  | { action: 'advise'; message: string }
  | { action: 'offer'; model: string; size: string; dir: string; url: string };

export interface FirstRunFacts {
  env: NodeJS.ProcessEnv;
  /** Both stdin and stdout are terminals (a person can answer). */
  interactive: boolean;
  exists?: (path: string) => boolean;
  /**
   * Whether whisper.cpp can run on this machine (a prebuilt binding for its platform is
   * installed; see whisperBindingInstalled). Where it cannot, a downloaded model could never be
   * used, so nothing is offered.
   */
  whisperRuns?: boolean;
}

export const DECLINED_MARKER = '.download-declined';

/**
 * On first run, with no engine configured (no OpenAI settings, no Whisper model), a person at
 * a terminal is offered the Whisper model download; anyone else gets one line of advice. Never
 * asks twice once declined, never asks in CI.
 */
export function planFirstRun({
  env,
  interactive,
  exists = existsSync,
  whisperRuns = true,
}: FirstRunFacts): FirstRunPlan {
  const engine = env['TRANSCRIPTION_ENGINE'] || 'auto';
  if (engine !== 'auto' && engine !== 'whisper')
    return { action: 'nothing', why: `TRANSCRIPTION_ENGINE=${engine}` };
  if (engine === 'auto' && (env['OPENAI_API_KEY'] || env['OPENAI_BASE_URL'])) {
    return { action: 'nothing', why: 'the OpenAI engine is configured' };
  }
  if (!whisperRuns) {
    const platform = `${process.platform}-${process.arch}`;
    return engine === 'whisper'
      ? {
          action: 'advise',
          message: `Local Whisper cannot run on ${platform} (no prebuilt whisper.cpp binding); set OPENAI_API_KEY or TRANSCRIPTION_ENGINE=sphinx.`,
        }
      : { action: 'nothing', why: `no whisper.cpp binding for ${platform}` };
  }
  const dir = env['WHISPER_MODELS_DIR'] || 'models';
  const wanted = (env['WHISPER_MODEL'] || DEFAULT_MODEL).trim();
  const model = KNOWN_MODELS.find((m) => m.name === wanted);
  if (!model)
    return { action: 'nothing', why: `WHISPER_MODEL=${wanted} is not a downloadable model name` };
  if (exists(join(dir, modelFileName(model.name))))
    return { action: 'nothing', why: 'the Whisper model is there' };
  const advice =
    `No Whisper model in ${dir}/: for local transcription run \`npm run model:download -- ${model.name}\` ` +
    `(${model.size}), or set OPENAI_API_KEY; the server starts all the same.`;
  if (!interactive || env['CI'] || exists(join(dir, DECLINED_MARKER)))
    return { action: 'advise', message: advice };
  return {
    action: 'offer',
    model: model.name,
    size: model.size,
    dir,
    url: modelUrl(env['WHISPER_MODEL_BASE_URL'] || DEFAULT_BASE_URL, model.name),
  };
}

/** Whether the model host answers at all, within `timeoutMs` (a HEAD request, redirects followed). */
export async function canReach(
  url: string,
  timeoutMs = 3000,
): Promise<{ ok: boolean; reason?: string }> {
  try {
    const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? { ok: true } : { ok: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, reason: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/**
 * Whether a prebuilt whisper.cpp binding for this platform is installed: npm installs only the
 * `@spader/node-whisper-cpp-*` package whose os, cpu (and libc) match, so one being there with
 * a matching os and cpu means the server's Whisper engine can load.
 */
export function whisperBindingInstalled(
  nodeModules = join(process.cwd(), 'node_modules'),
): boolean {
  const scope = join(nodeModules, '@spader');
  let names: string[];
  try {
    names = readdirSync(scope).filter((name) => name.startsWith('node-whisper-cpp-'));
  } catch {
    return false;
  }
  return names.some((name) => {
    try {
      const manifest = JSON.parse(readFileSync(join(scope, name, 'package.json'), 'utf8')) as {
        os?: string[];
        cpu?: string[];
      };
      return (
        (manifest.os ?? [process.platform]).includes(process.platform) &&
        (manifest.cpu ?? [process.arch]).includes(process.arch)
      );
    } catch {
      return false;
    }
  });
}
