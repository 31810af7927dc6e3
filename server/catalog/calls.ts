import { spawn, type ChildProcess } from 'node:child_process';
import type { HttpCall, ScriptCall } from '../../shared/catalog/format';
import { evaluate, parseTemplate, renderValue, type CelBindings } from '../../shared/wizards/cel';
import { durationToMs } from '../../shared/wizards/format';
import type { Json } from '../../shared/json';

/*
 * Calls to a target system, rendered from a catalog's templates: HTTP requests
 * and (optionally) commands without a shell. A call is rendered twice: once
 * with the real secrets (sent), once with `[secret <name>]` in their place
 * (shown in plans and stored), so no secret reaches a plan, a log or the audit.
 */

/** What a target system answered; `attempts`: how many times the call was sent to get it (retries included). */
export type CallResponse = { status: number; headers: Record<string, string>; body: Json; isJson: boolean; attempts: number };

/** A call that did not produce an acceptable answer; `isTransient` failures may be retried when the call is idempotent. */
export class CallFailure extends Error {
  /** How many times the call was sent before it failed for good. */
  attempts = 1;
  constructor(
    message: string,
    readonly isTransient: boolean,
    readonly response: CallResponse | null = null,
    /** The wait the target asked for (Retry-After), in milliseconds. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'CallFailure';
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: number): number | null {
  if (header === undefined) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A template that cannot be rendered is the author's or the parameters' fault, never sent half-filled. */
export class RenderFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderFailure';
  }
}

function asText(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A string with its templates filled in, each value passed through `encode` (URL parts). */
export function renderString(text: string, bindings: CelBindings, encode: (text: string) => string = (text) => text): string {
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new RenderFailure(parsed.error.message);
  let rendered = '';
  for (const part of parsed.parts) {
    if ('text' in part) {
      rendered += part.text;
      continue;
    }
    const result = evaluate(part.expression, bindings);
    if (!result.ok) throw new RenderFailure(`\${${part.expression.trim()}}: ${result.error}`);
    rendered += encode(asText(result.value));
  }
  return rendered;
}

function renderJson(value: Json, bindings: CelBindings): Json {
  const rendered = renderValue(value, bindings);
  if (!rendered.ok) throw new RenderFailure(rendered.error);
  return rendered.value;
}

/** An HTTP request ready to send. */
export type RenderedRequest = { method: string; url: string; headers: Record<string, string>; body: Json | undefined };

/** Renders an HTTP call. `extraHeaders` (the idempotency key) are added as given. */
export function renderHttp(call: HttpCall, bindings: CelBindings, extraHeaders: Record<string, string> = {}): RenderedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.headers)) headers[name.toLowerCase()] = renderString(value, bindings);
  for (const [name, value] of Object.entries(extraHeaders)) headers[name.toLowerCase()] = value;
  const body = call.body === undefined ? undefined : renderJson(call.body, bindings);
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  return { method: call.method, url: renderString(call.url, bindings, encodeURIComponent), headers, body };
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

async function readBody(response: Response): Promise<{ text: string; isTruncated: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { text: '', isTruncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      return { text: '', isTruncated: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), isTruncated: false };
}

/** Whether repeating the call is harmless by itself (reads, or calls marked idempotent). */
export function isIdempotentCall(call: HttpCall | ScriptCall): boolean {
  if (call.kind === 'http') return call.idempotent ?? (call.method === 'GET' || call.method === 'HEAD');
  return call.idempotent;
}

/** Waits between attempts: the backoff doubled per attempt, half of it random (so many desks do not retry in step). */
function backoffMs(call: HttpCall | ScriptCall, attempt: number): number {
  const base = durationToMs(call.retries?.backoff ?? '200ms') * 2 ** (attempt - 1);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Runs an attempt function with the call's retry policy. Only calls that may be
 * repeated (`mayRetry`: idempotent reads, or an action's call carrying its
 * idempotency key) ever are, and only after a transient failure. A Retry-After
 * the target sends is honoured (the wait is at least that long); one longer
 * than the policy's maxWait ends the retries. The result or the failure says
 * how many attempts were made.
 */
async function withRetries<T extends { attempts: number }>(
  call: HttpCall | ScriptCall,
  mayRetry: boolean,
  attempt: (number: number) => Promise<T>,
): Promise<T> {
  const attempts = call.retries && mayRetry ? call.retries.attempts : 1;
  const maxWaitMs = durationToMs(call.retries?.maxWait ?? '30s');
  let last: unknown;
  let made = 0;
  let stoppedBy: string | null = null;
  for (let number = 1; number <= attempts; number += 1) {
    made = number;
    try {
      const result = await attempt(number);
      result.attempts = number;
      return result;
    } catch (error) {
      last = error;
      if (!(error instanceof CallFailure) || !error.isTransient || number === attempts) break;
      const wait = Math.max(backoffMs(call, number), error.retryAfterMs ?? 0);
      if (wait > maxWaitMs) {
        stoppedBy = `it asked to retry after ${seconds(error.retryAfterMs ?? wait)}, longer than the ${call.retries?.maxWait ?? '30s'} this call waits`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  if (last instanceof CallFailure) {
    if (made === 1 && stoppedBy === null) throw last;
    const failure = new CallFailure(
      `${last.message} (after ${made} attempt${made === 1 ? '' : 's'}${stoppedBy ? `; ${stoppedBy}` : ''})`,
      last.isTransient,
      last.response,
      last.retryAfterMs,
    );
    failure.attempts = made;
    throw failure;
  }
  throw last;
}

/** `GET https://host/path` without the query, for messages (queries may carry customer data). */
function describeRequest(request: RenderedRequest): string {
  return `${request.method} ${request.url.split('?')[0]}`;
}

/**
 * Sends an HTTP call with its timeout and retry policy; fails with a reason in
 * words. The same rendered request (headers included, so the same idempotency
 * key) is sent on every attempt. `mayRetry` defaults to whether the call is
 * idempotent by itself.
 */
export async function sendHttp(
  call: HttpCall,
  request: RenderedRequest,
  options: { mayRetry?: boolean } = {},
): Promise<CallResponse> {
  const timeoutMs = durationToMs(call.timeout);
  const what = describeRequest(request);
  return withRetries(call, options.mayRetry ?? isIdempotentCall(call), async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: controller.signal,
          // A redirect could take the call (and its credentials) to another host.
          redirect: 'manual',
        });
      } catch (error) {
        if (controller.signal.aborted) throw new CallFailure(`${what}: no answer within ${call.timeout}`, true);
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        throw new CallFailure(`${what}: could not connect (${cause})`, true);
      }
      let read: { text: string; isTruncated: boolean };
      try {
        read = await readBody(response);
      } catch {
        if (controller.signal.aborted) throw new CallFailure(`${what}: the answer did not finish within ${call.timeout}`, true);
        throw new CallFailure(`${what}: the connection broke while reading the answer`, true);
      }
      if (read.isTruncated) throw new CallFailure(`${what}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`, false);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      let body: Json = read.text;
      let isJson = false;
      if (read.text !== '') {
        try {
          body = JSON.parse(read.text) as Json;
          isJson = true;
        } catch {
          // Kept as text; a mapping that expects JSON says so.
        }
      } else body = null;
      const result: CallResponse = { status: response.status, headers, body, isJson, attempts: 1 };
      const isExpected = call.expectStatus
        ? call.expectStatus.includes(response.status)
        : response.status >= 200 && response.status < 300;
      if (!isExpected) {
        const isTransient = response.status >= 500 || response.status === 429;
        const excerpt = read.text.slice(0, 200).replace(/\s+/g, ' ');
        throw new CallFailure(
          `${what} answered ${response.status}${call.expectStatus ? `, expected ${call.expectStatus.join(' or ')}` : ''}${excerpt ? `: ${excerpt}` : ''}`,
          isTransient,
          result,
          isTransient ? parseRetryAfter(headers['retry-after'], Date.now()) : null,
        );
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  });
}

/** A command ready to run. */
export type RenderedCommand = { command: string; args: string[]; env: Record<string, string> };

/** Renders a script call: every argument is one argv item, never split or interpreted by a shell. */
export function renderScript(call: ScriptCall, bindings: CelBindings): RenderedCommand {
  return {
    command: call.command,
    args: call.args.map((arg) => renderString(arg, bindings)),
    env: Object.fromEntries(Object.entries(call.env).map(([name, value]) => [name, renderString(value, bindings)])),
  };
}

const MAX_SCRIPT_OUTPUT = 1024 * 1024;
const MAX_SCRIPT_STDERR = 64 * 1024;

/**
 * Runs a command from the allowlist with no shell, an environment of only what
 * the call declares (plus PATH), a timeout and an output cap. Exit 0 with JSON
 * on stdout is an answer (status 0); anything else fails with stderr's first line.
 * The command runs in its own process group: at the timeout or the output cap
 * the whole group is killed (SIGKILL), so nothing it started keeps running.
 */
export async function runScript(call: ScriptCall, command: RenderedCommand, allowlist: readonly string[]): Promise<CallResponse> {
  if (!allowlist.includes(command.command))
    throw new CallFailure(`${command.command} is not on this server's script allowlist`, false);
  const timeoutMs = durationToMs(call.timeout);
  return withRetries(call, isIdempotentCall(call), () => runOnce(call, command, timeoutMs));
}

function runOnce(call: ScriptCall, command: RenderedCommand, timeoutMs: number): Promise<CallResponse> {
  return new Promise<CallResponse>((resolve, reject) => {
    const child = spawn(command.command, command.args, {
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...command.env },
      windowsHide: true,
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let stopped: CallFailure | null = null;
    const stop = (failure: CallFailure) => {
      if (stopped) return;
      stopped = failure;
      killGroup(child);
    };
    const timer = setTimeout(
      () => stop(new CallFailure(`${command.command}: no answer within ${call.timeout}`, true)),
      timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_SCRIPT_OUTPUT)
        stop(new CallFailure(`${command.command} printed more than 1 MiB; it was stopped`, false));
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_SCRIPT_STDERR) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CallFailure(`${command.command} could not start: ${error.message}`, false));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the command left running in its group goes with it.
      killGroup(child);
      if (stopped) {
        reject(stopped);
        return;
      }
      if (code !== 0) {
        const firstLine = stderr.trim().split('\n')[0] ?? '';
        reject(
          new CallFailure(
            `${command.command} failed (exit ${code ?? signal ?? '?'})${firstLine ? `: ${firstLine.slice(0, 300)}` : ''}`,
            false,
          ),
        );
        return;
      }
      const text = Buffer.concat(stdout).toString('utf8').trim();
      try {
        resolve({ status: 0, headers: {}, body: text === '' ? null : (JSON.parse(text) as Json), isJson: true, attempts: 1 });
      } catch {
        resolve({ status: 0, headers: {}, body: text, isJson: false, attempts: 1 });
      }
    });
  });
}

/** Kills a detached child's whole process group; a group already gone is fine. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing of the group is left.
  }
}
