/** Where a process reports what happened; never given secrets (secret-looking keys are redacted anyway). */
export type Logger = {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
};

const SECRET_KEY = /token|secret|password|authorization|cookie|api[-_]?key/i;

/** Replaces the values of secret-looking keys, at any depth, before anything is written. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}

/**
 * A logger that hands one JSON line per record to `write`, secrets redacted. The
 * desk core and the server each pass their own sink (stderr); this module stays
 * free of Node so both sides can share it.
 */
export function createJsonLogger(write: (line: string) => void): Logger {
  const emit = (level: string, message: string, details?: Record<string, unknown>) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...(redact(details ?? {}) as object) })}\n`);
  };
  return {
    info: (message, details) => emit('info', message, details),
    warn: (message, details) => emit('warn', message, details),
    error: (message, details) => emit('error', message, details),
  };
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
