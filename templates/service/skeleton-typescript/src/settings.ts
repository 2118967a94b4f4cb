import { z } from 'zod';

/** Log levels of pino, the logger Fastify uses. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The service's configuration, read from environment variables only (twelve-factor): the
 * deployment repository's Helm chart sets them. Unknown variables are ignored.
 */
const environmentSchema = z.object({
  PORT: z.coerce
    .number({ error: 'PORT must be a number' })
    .int('PORT must be an integer')
    .min(1, 'PORT must be between 1 and 65535')
    .max(65535, 'PORT must be between 1 and 65535')
    .default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SERVICE_NAME: z.string().min(1).default('${{ values.name }}'),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().positive().default(10),
});

export interface Settings {
  port: number;
  host: string;
  logLevel: (typeof LOG_LEVELS)[number];
  serviceName: string;
  shutdownTimeoutSeconds: number;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/**
 * Parses and validates the settings; throws a SettingsError that names every bad variable.
 * Empty variables count as unset, so `PORT=` falls back to the default.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    throw new SettingsError(`invalid settings:\n${z.prettifyError(result.error)}`);
  }
  const parsed = result.data;
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    logLevel: parsed.LOG_LEVEL,
    serviceName: parsed.SERVICE_NAME,
    shutdownTimeoutSeconds: parsed.SHUTDOWN_TIMEOUT_SECONDS,
  };
}
