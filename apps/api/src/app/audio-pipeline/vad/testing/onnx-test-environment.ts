import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';

/**
 * Jest runs each test file in its own V8 context, whose typed-array constructors differ from
 * the ones the onnxruntime-node addon creates its outputs with; onnxruntime-common's
 * `instanceof Float32Array` checks then fail ("A float32 tensor's data must be type of ...").
 * Tests that run the model use this environment (`@jest-environment` docblock), which hands
 * the sandbox the host's typed arrays. Production code runs in one context and needs nothing.
 */
export default class OnnxTestEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const sandbox = this.global as unknown as Record<string, unknown>;
    for (const name of [
      'Float32Array',
      'Float64Array',
      'Int8Array',
      'Int16Array',
      'Int32Array',
      'Uint8Array',
      'Uint16Array',
      'Uint32Array',
      'BigInt64Array',
      'BigUint64Array',
      'ArrayBuffer',
    ]) {
      sandbox[name] = (globalThis as unknown as Record<string, unknown>)[name];
    }
  }
}
