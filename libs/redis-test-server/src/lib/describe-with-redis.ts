import { redisMissing } from './redis-server';

/**
 * `describe` for tests that need a redis-server (see `startRedis()`), when it is installed.
 * Otherwise the tests are skipped and the output says why and how to install it; with
 * WHISPERSTREAM_REQUIRE_ALL=1 (CI) a single failing test takes their place.
 */
export function describeWithRedis(name: string, body: () => void): void {
  const why = redisMissing();
  if (why === null) {
    describe(name, body);
  } else if (process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1') {
    describe(name, () => {
      it('has redis-server', () => {
        throw new Error(`WHISPERSTREAM_REQUIRE_ALL=1, but ${why}`);
      });
    });
  } else {
    process.stdout.write(
      `SKIPPED: ${name}: ${why}. Set WHISPERSTREAM_REQUIRE_ALL=1 to make this a failure.\n`,
    );
    describe.skip(`${name} (SKIPPED: ${why})`, body);
  }
}
