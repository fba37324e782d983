import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventTap } from './event-tap';

describe(EventTap.name, () => {
  let server: http.Server;
  let baseUrl: string;
  /** Sends the event once the test says so (a stream quiet for longer than the answer timeout). */
  let sendEnd: () => void = () => undefined;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      sendEnd = () => res.end('id: 1\nevent: end\ndata: {}\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps a stream that is quiet for longer than the timeout for its answer', async () => {
    const sut = await EventTap.open(baseUrl, 's', 't', undefined, 100);
    const end = sut.waitForType('end', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // quiet: 3 times the timeout
    expect(sut.ended).toBe(false);
    sendEnd();
    expect((await end)?.event.type).toBe('end');
    sut.close();
  });
});
