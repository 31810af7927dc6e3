import { createJsonLogger, type Logger } from '../../shared/log';

export { redact, silentLogger } from '../../shared/log';

/** The desk core's logger: JSON lines on stderr (or `write`), secrets redacted. */
export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return createJsonLogger(write);
}
