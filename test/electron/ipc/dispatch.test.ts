import { describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../../shared/ipc/contract';
import { DeskError } from '../../../shared/ipc/result';
import { createDispatch } from '../../../electron/ipc/dispatch';
import { registerContract, type IpcLike } from '../../../electron/ipc/register';
import { CHANNELS } from '../../../shared/ipc/channels';

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const unused = () => {
    throw new Error('not used in this test');
  };
  const base = Object.fromEntries(CHANNELS.map((channel) => [channel, unused])) as unknown as Handlers;
  return { ...base, ...overrides };
}

function fakeIpc() {
  const registered = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const ipc: IpcLike = {
    handle: (channel, listener) => registered.set(channel, listener),
    removeHandler: (channel) => registered.delete(channel),
  };
  return { ipc, registered };
}

const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

describe('contract registration', () => {
  it('registers exactly one handler per contract channel and removes them again', () => {
    const { ipc, registered } = fakeIpc();
    const dispose = registerContract(ipc, createDispatch(handlers(), log), () => true);
    expect([...registered.keys()].sort()).toEqual([...CHANNELS].sort());
    dispose();
    expect(registered.size).toBe(0);
  });

  it('refuses NUL and lone surrogates before any schema, naming the field, without calling the handler', async () => {
    const spy = vi.fn();
    const dispatch = createDispatch(handlers({ 'notes:create': spy }), log);
    for (const body of ['a\u0000', '\udfff']) {
      const answer = await dispatch('notes:create', { customerId: 'acme', eventId: null, body });
      expect(answer).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('body') } });
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('answers bad_request for invalid input without calling the handler', async () => {
    const spy = vi.fn();
    const { ipc, registered } = fakeIpc();
    registerContract(ipc, createDispatch(handlers({ 'timeline:page': spy }), log), () => true);
    const answer = await registered.get('timeline:page')?.({}, { customerId: '../etc', limit: 5000 });
    expect(answer).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((answer as { error: { message: string } }).error.message).toMatch(/customerId|limit/);
    expect(spy).not.toHaveBeenCalled();
  });

  it('passes validated input and wraps the value', async () => {
    const { ipc, registered } = fakeIpc();
    const notes = vi.fn((input: { customerId: string; body: string }) => ({
      id: 'n1',
      customerId: input.customerId,
      eventId: null,
      author: 'me',
      body: input.body,
      createdAt: '2026-11-27T00:00:00.000Z',
      updatedAt: '2026-11-27T00:00:00.000Z',
      ver: 0,
      pending: true,
      error: null,
      conflict: null,
    }));
    registerContract(ipc, createDispatch(handlers({ 'notes:create': notes }), log), () => true);
    const answer = await registered.get('notes:create')?.({}, { customerId: 'acme', body: '  checked SSO  ' });
    expect(notes).toHaveBeenCalledWith({ customerId: 'acme', body: 'checked SSO' });
    expect(answer).toMatchObject({ ok: true, value: { id: 'n1', body: 'checked SSO' } });
  });

  it('refuses a call from an untrusted sender', async () => {
    const spy = vi.fn(() => ({}));
    const { ipc, registered } = fakeIpc();
    registerContract(ipc, createDispatch(handlers({ 'app:info': spy as never }), log), () => false);
    expect(await registered.get('app:info')?.({}, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(spy).not.toHaveBeenCalled();
  });

  it('turns DeskError into its code and other exceptions into internal, without leaking details', async () => {
    const dispatch = createDispatch(
      handlers({
        'events:get': () => {
          throw new DeskError('not_found', 'No such event.');
        },
        'customers:get': () => {
          throw new Error('SQLITE_CORRUPT at /secret/path');
        },
      }),
      log,
    );
    expect(await dispatch('events:get', { eventId: 'x' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'No such event.' },
    });
    const internal = await dispatch('customers:get', { customerId: 'acme' });
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(internal)).not.toContain('/secret/path');
    expect(log.error).toHaveBeenCalled();
  });

  it('answers bad_request for an unknown channel', async () => {
    const dispatch = createDispatch(handlers(), log);
    expect(await dispatch('shell:exec', 'rm -rf /')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
