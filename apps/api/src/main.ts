import 'reflect-metadata';
import { createServer } from './app/bootstrap';
import { NodeMembership } from './app/cluster/node-membership';
import { ConfigError, loadConfig } from './app/config/config.schema';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`WhisperStream cannot start.\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let app;
  try {
    app = await createServer(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`WhisperStream cannot start.\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // SIGTERM/SIGINT: stop admitting, close every session (bounded), close the server, exit 0.
  const shutdown = (signal: NodeJS.Signals) => {
    const deadline = setTimeout(() => {
      process.stderr.write(`WhisperStream: shutdown after ${signal} took too long; exiting\n`);
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 5000);
    deadline.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`WhisperStream: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  // Cluster mode: an API node joins once it can be reached (other nodes forward calls to it).
  if (config.REDIS_URL && config.ROLE !== 'worker') {
    await app.get(NodeMembership, { strict: false }).join(port);
  }
  process.stdout.write(
    JSON.stringify({
      time: new Date().toISOString(),
      level: 'info',
      context: 'Bootstrap',
      msg: 'listening',
      port,
      host: config.HOST,
      url: `${config.TLS_CERT_FILE ? 'https' : 'http'}://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`,
    }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `WhisperStream failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
