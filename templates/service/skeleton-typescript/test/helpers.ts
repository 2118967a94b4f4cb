import { buildApp, type AppOptions } from '../src/app.ts';
import type { Settings } from '../src/settings.ts';

export const testSettings: Settings = {
  port: 8080,
  host: '127.0.0.1',
  logLevel: 'silent',
  serviceName: 'test-service',
  shutdownTimeoutSeconds: 1,
};

export function testApp(overrides: Partial<Settings> = {}, options: AppOptions = {}) {
  return buildApp({ ...testSettings, ...overrides }, options);
}
