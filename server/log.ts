import { createJsonLogger, type Logger } from '../shared/log';

export { redact, silentLogger, type Logger } from '../shared/log';

/** The server's logger: JSON lines on stderr (or `write`), secrets redacted. */
export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return createJsonLogger(write);
}

/** The message of anything thrown, for logs and error bodies. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
