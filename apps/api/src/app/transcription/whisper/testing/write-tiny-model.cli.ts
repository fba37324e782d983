/**
 * `write-tiny-model <path> [--size test|tiny.en]`: writes the tiny random-weight whisper.cpp
 * model (see ggml-tiny.ts) for tests and benchmarks that run the built server as a process and
 * cannot import this code. `--size tiny.en` gives it the real tiny.en's dimensions (about 78 MB).
 */
import { TINY_MODEL_SIZES, type TinyModelSize, writeTinyModel } from './ggml-tiny';

const USAGE = `usage: write-tiny-model <path> [--size ${TINY_MODEL_SIZES.join('|')}]\n`;
const [out, flag, size, ...rest] = process.argv.slice(2);
const sizeOk =
  flag === undefined || (flag === '--size' && TINY_MODEL_SIZES.includes(size as TinyModelSize));
if (!out || out.startsWith('--') || !sizeOk || rest.length > 0) {
  process.stderr.write(USAGE);
  process.exit(2);
}
writeTinyModel(out, flag ? { size: size as TinyModelSize } : {}).then(
  () => process.stdout.write(`${out}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
