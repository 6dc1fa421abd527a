import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.js';

/**
 * Structured JSON logs on stdout. Keys follow one vocabulary across Weft (`requestId`, `orgId`, `tokenId`,
 * `durationMs`, `error`), and anything that looks like a credential is censored before it is written.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'weft' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'headers.authorization',
          'req.headers.authorization',
          '*.password',
          '*.secret',
          '*.token',
          'secret',
          'token',
          'password',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
