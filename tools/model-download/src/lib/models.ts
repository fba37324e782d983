/** Where whisper.cpp's converted models are published; `WHISPER_MODEL_BASE_URL` overrides it. */
export const DEFAULT_BASE_URL = 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';

export interface KnownModel {
  name: string;
  /** SHA-1 of `ggml-<name>.bin`, as whisper.cpp's models/README.md lists it. */
  sha1: string;
  /** Roughly, for the help text. */
  size: string;
  englishOnly: boolean;
}

/**
 * The models small enough for a CPU server, with the checksums whisper.cpp publishes.
 * A model whose checksum is not published is left out rather than guessed.
 */
export const KNOWN_MODELS: readonly KnownModel[] = [
  {
    name: 'tiny',
    sha1: 'bd577a113a864445d4c299885e0cb97d4ba92b5f',
    size: '75 MiB',
    englishOnly: false,
  },
  {
    name: 'tiny.en',
    sha1: 'c78c86eb1a8faa21b369bcd33207cc90d64ae9df',
    size: '75 MiB',
    englishOnly: true,
  },
  {
    name: 'base',
    sha1: '465707469ff3a37a2b9b8d8f89f2f99de7299dac',
    size: '142 MiB',
    englishOnly: false,
  },
  {
    name: 'base.en',
    sha1: '137c40403d78fd54d454da0f9bd998f78703390c',
    size: '142 MiB',
    englishOnly: true,
  },
  {
    name: 'small',
    sha1: '55356645c2b361a969dfd0ef2c5a50d530afd8d5',
    size: '466 MiB',
    englishOnly: false,
  },
  {
    name: 'small.en',
    sha1: 'db8a495a91d927739e50b3fc1cc4c6b8f6c2d022',
    size: '466 MiB',
    englishOnly: true,
  },
];

export const DEFAULT_MODEL = 'base.en';

export function modelFileName(name: string): string {
  return `ggml-${name}.bin`;
}

export function modelUrl(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${modelFileName(name)}`;
}

/**
 * Where models go: `--dir`, else WHISPER_MODELS_DIR (the folder the server reads them from),
 * else `models`.
 */
export function modelsDirOf(dir: string | undefined, env: NodeJS.ProcessEnv): string {
  return dir || env['WHISPER_MODELS_DIR'] || 'models';
}
