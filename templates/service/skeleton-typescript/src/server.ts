import { buildApp } from './app.ts';
import { SettingsError, loadSettings, type Settings } from './settings.ts';

let settings: Settings;
try {
  settings = loadSettings();
} catch (error) {
  if (error instanceof SettingsError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const app = buildApp(settings);

/**
 * Kubernetes sends SIGTERM, waits terminationGracePeriodSeconds (30 s by default), then kills.
 * Stop accepting connections, let requests in flight finish, and exit before that deadline.
 */
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  app.log.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    app.log.error('graceful shutdown timed out, exiting');
    process.exit(1);
  }, settings.shutdownTimeoutSeconds * 1000);
  deadline.unref();
  try {
    await app.close();
    app.log.info('stopped');
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'error during shutdown');
    process.exit(1);
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, (received) => void shutdown(received));
}

try {
  await app.listen({ host: settings.host, port: settings.port });
} catch (error) {
  app.log.fatal({ err: error }, 'could not start');
  process.exit(1);
}
