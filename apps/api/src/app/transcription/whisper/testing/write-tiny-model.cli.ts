/**
 * `write-tiny-model <path>`: writes the tiny random-weight whisper.cpp model (see ggml-tiny.ts)
 * for tests that run the built server as a process and cannot import this code.
 */
import { writeTinyModel } from './ggml-tiny';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: write-tiny-model <path>\n');
  process.exit(2);
}
writeTinyModel(out).then(
  () => process.stdout.write(`${out}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
