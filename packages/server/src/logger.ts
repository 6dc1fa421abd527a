import { Logger as QueueLogger } from 'graphile-worker';
import pino, { type Logger } from 'pino';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

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

/** Routes graphile-worker's log lines into Weft's structured log. */
export function queueLogger(log: Logger): QueueLogger {
  const queueLog = log.child({ component: 'queue' });
  return new QueueLogger(() => (level, message, meta) => {
    const pinoLevel = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    queueLog[pinoLevel](meta ?? {}, message);
  });
}
