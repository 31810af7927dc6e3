import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptCallSchema } from '../../../shared/catalog/format';
import { CallFailure, renderScript, runScript } from '../../../server/catalog/calls';
import { waitFor } from '../../support/wait';

/**
 * The script runner against real executables on disk (issue 11): no shell, only
 * the allowlist, templated arguments as single argv items, a minimal
 * environment, a timeout that kills what the script started, an output cap.
 */

const directory = mkdtempSync(path.join(tmpdir(), 'lk-scripts-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Writes an executable shell script and returns its absolute path. */
function script(name: string, body: string): string {
  const file = path.join(directory, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Prints its arguments and two environment variables as JSON, via node (no parsing by the shell of the values). */
const echo = script(
  'echo-args.sh',
  `exec /usr/bin/env node -e 'console.log(JSON.stringify({ args: process.argv.slice(1), env: Object.keys(process.env).sort(), token: process.env.TOKEN ?? null }))' -- "$@"`,
);

const call = (command: string, extra: Record<string, unknown> = {}) =>
  ScriptCallSchema.parse({ kind: 'script', command, ...extra });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('script calls (a real script on disk)', () => {
  it('passes each templated argument as one argv item, never through a shell', async () => {
    const marker = path.join(directory, 'pwned');
    const hostile = `x; touch ${marker} $(touch ${marker}) \`touch ${marker}\` "quoted" 'single' *`;
    const definition = call(echo, { args: ['--reason', '${params.reason}', 'fixed'] });
    const rendered = renderScript(definition, { params: { reason: hostile }, customer: { id: 'acme' }, secrets: {} });
    const response = await runScript(definition, rendered, [echo]);
    expect(response.isJson).toBe(true);
    expect(response.body).toMatchObject({ args: ['--reason', hostile, 'fixed'] });
    expect(existsSync(marker)).toBe(false);
  });

  it('gives the script only the environment the call declares (plus PATH), secrets included only when declared', async () => {
    process.env.LK_SERVER_ONLY = 'do-not-leak';
    try {
      const definition = call(echo, { env: { TOKEN: '${secrets.token}' } });
      const rendered = renderScript(definition, { params: {}, customer: { id: 'acme' }, secrets: { token: 's3cret' } });
      const response = await runScript(definition, rendered, [echo]);
      const body = response.body as { env: string[]; token: string };
      expect(body.token).toBe('s3cret');
      expect(body.env).not.toContain('LK_SERVER_ONLY');
      expect(body.env.filter((name) => !['PATH', 'TOKEN', 'PWD', 'SHLVL', '_'].includes(name))).toEqual([]);
    } finally {
      delete process.env.LK_SERVER_ONLY;
    }
  });

  it('refuses a command that is not on the allowlist without running it', async () => {
    const marker = path.join(directory, 'ran');
    const other = script('not-allowed.sh', `touch ${marker}; echo '{}'`);
    const definition = call(other);
    const failure = await runScript(definition, renderScript(definition, {}), [echo]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CallFailure);
    expect((failure as CallFailure).message).toBe(`${other} is not on this server's script allowlist`);
    expect(existsSync(marker)).toBe(false);
    // The same path through a "..", or relative, is not the allowlisted path either.
    const sneaky = call(`${directory}/x/../not-allowed.sh`);
    await expect(runScript(sneaky, renderScript(sneaky, {}), [other])).rejects.toThrow(/not on this server's script allowlist/);
    expect(existsSync(marker)).toBe(false);
  });

  it('fails with stderr’s first line when the script exits non-zero', async () => {
    const failing = script('fails.sh', `echo 'tenant acme is locked' >&2; echo 'more detail' >&2; exit 3`);
    const definition = call(failing);
    await expect(runScript(definition, renderScript(definition, {}), [failing])).rejects.toThrow(
      `${failing} failed (exit 3): tenant acme is locked`,
    );
  });

  it('stops a script at its timeout, together with everything it started', async () => {
    const pidFile = path.join(directory, 'child.pid');
    const slow = script('slow.sh', `sleep 120 & echo $! > ${pidFile}; wait`);
    const definition = call(slow, { timeout: '300ms' });
    const failure = await runScript(definition, renderScript(definition, {}), [slow]).catch((error: unknown) => error);
    expect((failure as CallFailure).message).toBe(`${slow}: no answer within 300ms`);
    expect((failure as CallFailure).isTransient).toBe(true);
    const child = Number(readFileSync(pidFile, 'utf8').trim());
    await waitFor(() => !isAlive(child), 'the sleep the script started is killed with it', 5000);
  });

  it('stops a script that prints more than the output cap, and says so', async () => {
    const loud = script('loud.sh', 'exec /usr/bin/yes 0123456789abcdef');
    const definition = call(loud, { timeout: '30s' });
    await expect(runScript(definition, renderScript(definition, {}), [loud])).rejects.toThrow(
      `${loud} printed more than 1 MiB; it was stopped`,
    );
  });

  it('answers non-JSON output as text (the mapping then says the answer is not JSON)', async () => {
    const plain = script('plain.sh', `echo 'all good'`);
    const definition = call(plain);
    const response = await runScript(definition, renderScript(definition, {}), [plain]);
    expect(response).toMatchObject({ status: 0, isJson: false, body: 'all good' });
  });
});
