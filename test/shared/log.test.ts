import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../shared/log';

describe('JSON logger (desk core and server)', () => {
  it('writes one JSON line per record with secret-looking keys redacted at any depth', () => {
    const lines: string[] = [];
    const log = createJsonLogger((line) => lines.push(line));
    log.warn('backend refused', {
      url: 'https://ops.example.com',
      token: 'tok-123',
      request: { headers: { Authorization: 'Bearer tok-123', 'x-api-key': 'k' }, attempts: 2 },
      items: [{ password: 'p' }],
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'warn',
      message: 'backend refused',
      url: 'https://ops.example.com',
      token: '[redacted]',
      request: { headers: { Authorization: '[redacted]', 'x-api-key': '[redacted]' }, attempts: 2 },
      items: [{ password: '[redacted]' }],
    });
    expect(lines[0]).not.toContain('tok-123');
  });
});
