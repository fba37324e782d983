import { Semaphore } from './semaphore';

describe(Semaphore.name, () => {
  it('grants at most `size` slots and hands freed slots to waiters in order', async () => {
    const sut = new Semaphore(1);
    const order: string[] = [];
    const first = await sut.acquire();
    const second = sut.acquire().then((release) => {
      order.push('second');
      return release;
    });
    const third = sut.acquire().then((release) => {
      order.push('third');
      return release;
    });
    expect(sut.waiting).toBe(2);
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect(sut.inUse).toBe(0);
  });

  it('removes a waiter whose signal aborts', async () => {
    const sut = new Semaphore(1);
    const release = await sut.acquire();
    const controller = new AbortController();
    const waiting = sut.acquire(controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(sut.waiting).toBe(0);
    release();
    expect(sut.inUse).toBe(0);
  });

  it('ignores a second release of the same slot', async () => {
    const sut = new Semaphore(2);
    const release = await sut.acquire();
    release();
    release();
    expect(sut.inUse).toBe(0);
    await sut.acquire();
    await sut.acquire();
    expect(sut.inUse).toBe(2);
  });
});
