import { describe, expect, it } from 'vitest';
import { SettingsError, loadSettings } from '../src/settings.ts';

describe('loadSettings', () => {
  it('has defaults for everything', () => {
    expect(loadSettings({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      serviceName: '${{ values.name }}',
      shutdownTimeoutSeconds: 10,
    });
  });

  it('reads the environment', () => {
    const settings = loadSettings({ PORT: '9000', LOG_LEVEL: 'debug', SERVICE_NAME: 'other' });
    expect(settings).toMatchObject({ port: 9000, logLevel: 'debug', serviceName: 'other' });
  });

  it('treats empty variables as unset', () => {
    expect(loadSettings({ PORT: '', LOG_LEVEL: ' ' })).toMatchObject({
      port: 8080,
      logLevel: 'info',
    });
  });

  it.each(['abc', '0', '70000', '80.5'])('refuses PORT=%s', (port) => {
    expect(() => loadSettings({ PORT: port })).toThrow(SettingsError);
    expect(() => loadSettings({ PORT: port })).toThrow(/PORT/);
  });

  it('refuses an unknown log level', () => {
    expect(() => loadSettings({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL/);
  });
});
