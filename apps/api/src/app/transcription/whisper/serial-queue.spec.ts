import { EngineError } from '../engine';
import { SerialQueue } from './serial-queue';
import { rejection } from './testing/rejection';

/** A task the test finishes by hand, and that says whether it was ever started. */
function manualTask<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const task = { started: false, resolve, reject, run: () => ((task.started = true), promise) };
  return task;
}

const never = new AbortController().signal;
const options = { signal: never, timeoutMs: 60_000 };

describe(SerialQueue.name, () => {
  let sut: SerialQueue;

  beforeEach(() => {
    sut = new SerialQueue({ maxWaiting: 1, label: 'the engine' });
  });

  afterEach(() => {
    sut.close(new EngineError('test_over', 'the test is over', false));
  });

  it('runs one task at a time, in order', async () => {
    const first = manualTask<string>();
    const second = manualTask<string>();

    const a = sut.run(first.run, options);
    const b = sut.run(second.run, options);

    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    first.resolve('a');
    await expect(a).resolves.toBe('a');
    expect(second.started).toBe(true);
    second.resolve('b');
    await expect(b).resolves.toBe('b');
  });

  it('lets urgent tasks (finals) wait ahead of the others (partials), in order', async () => {
    const queue = new SerialQueue({ maxWaiting: 8, label: 'the engine' });
    const order: string[] = [];
    const running = manualTask<string>();
    const done = (name: string) => () => (order.push(name), Promise.resolve(name));
    const all = [
      queue.run(running.run, options),
      queue.run(done('partial 1'), { ...options, urgent: false }),
      queue.run(done('final 1'), options),
      queue.run(done('partial 2'), { ...options, urgent: false }),
      queue.run(done('final 2'), { ...options, urgent: true }),
    ];
    running.resolve('running');
    await Promise.all(all);
    expect(order).toEqual(['final 1', 'final 2', 'partial 1', 'partial 2']);
  });

  it('refuses work past the bound with a retryable engine_busy', async () => {
    const admitted = [
      sut.run(manualTask<string>().run, options),
      sut.run(manualTask<string>().run, options),
    ];
    for (const promise of admitted) promise.catch(() => undefined); // close() fails them later

    const error = await rejection(sut.run(manualTask<string>().run, options));

    expect(error.code).toBe('engine_busy');
    expect(error.retryable).toBe(true);
    expect(sut.waiting).toBe(1);
  });

  it('takes a waiting request out of the line when its signal aborts', async () => {
    const first = manualTask<string>();
    const second = manualTask<string>();
    const third = manualTask<string>();
    const controller = new AbortController();
    const a = sut.run(first.run, options);
    const b = sut.run(second.run, { ...options, signal: controller.signal });

    controller.abort();

    expect((await rejection(b)).code).toBe('transcription_aborted');
    expect(sut.waiting).toBe(0);
    const c = sut.run(third.run, options);
    first.resolve('a');
    await a;
    third.resolve('c');
    await expect(c).resolves.toBe('c');
    expect(second.started).toBe(false);
  });

  it('answers an aborted running request at once but keeps its slot until the task ends', async () => {
    const first = manualTask<string>();
    const second = manualTask<string>();
    const controller = new AbortController();
    const a = sut.run(first.run, { ...options, signal: controller.signal });
    const b = sut.run(second.run, options);

    controller.abort();

    expect((await rejection(a)).code).toBe('transcription_aborted');
    expect(second.started).toBe(false);
    first.resolve('late');
    second.resolve('b');
    await expect(b).resolves.toBe('b');
  });

  it('refuses a request whose signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const task = manualTask<string>();

    expect(
      (await rejection(sut.run(task.run, { ...options, signal: controller.signal }))).code,
    ).toBe('transcription_aborted');
    expect(task.started).toBe(false);
  });

  it('answers a caller whose task runs too long, and starts the next only when it ends', async () => {
    const slow = manualTask<string>();
    const next = manualTask<string>();
    const a = sut.run(slow.run, { ...options, timeoutMs: 10 });
    const b = sut.run(next.run, options);

    const error = await rejection(a);

    expect(error.code).toBe('engine_timeout');
    expect(error.retryable).toBe(true);
    expect(next.started).toBe(false);
    slow.resolve('too late');
    next.resolve('b');
    await expect(b).resolves.toBe('b');
  });

  it('turns an unknown failure into a retryable engine_failed without its details', async () => {
    const task = manualTask<string>();
    const a = sut.run(task.run, options);

    task.reject(new Error('native secret'));
    const error = await rejection(a);

    expect(error.code).toBe('engine_failed');
    expect(error.message).toBe('the engine failed');
  });

  it('fails waiting and running requests when closed, and accepts nothing after', async () => {
    const running = manualTask<string>();
    const waiting = manualTask<string>();
    const a = sut.run(running.run, options);
    const b = sut.run(waiting.run, options);

    sut.close(new EngineError('engine_unavailable', 'closing', true));

    expect((await rejection(a)).code).toBe('engine_unavailable');
    expect((await rejection(b)).code).toBe('engine_unavailable');
    expect(waiting.started).toBe(false);
    expect((await rejection(sut.run(manualTask<string>().run, options))).message).toBe(
      'the engine is shut down',
    );
  });

  it('is idle once the running task has ended, even after close', async () => {
    const running = manualTask<string>();
    const a = sut.run(running.run, options);
    a.catch(() => undefined);
    let idle = false;
    const whenIdle = sut.idle().then(() => (idle = true));

    sut.close(new EngineError('engine_unavailable', 'closing', true));
    await rejection(a);

    expect(idle).toBe(false);
    running.resolve('done');
    await whenIdle;
    expect(sut.busy).toBe(false);
  });
});
