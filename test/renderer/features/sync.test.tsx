import { screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatTime } from '../../../renderer/src/lib/time';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

describe('sync indicator and sync page', () => {
  it('shows online, then offline with the age of the offline copy and the pending count', async () => {
    const { desk } = renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getByTestId('sync-state')).toHaveTextContent('Online'));
    expect(screen.getByTestId('sync-freshness')).toHaveTextContent(/^synced /);

    act(() =>
      desk.emit('sync:changed', {
        ...desk.syncStatus,
        state: 'offline',
        pendingOutbox: 2,
        message: 'The backend did not answer (connection refused).',
      }),
    );
    expect(screen.getByTestId('sync-state')).toHaveTextContent('Offline');
    expect(screen.getByTestId('sync-freshness')).toHaveTextContent(
      `offline copy as of ${formatDateTime('2026-11-20T12:00:00.000Z')}`,
    );
    expect(screen.getByTestId('sync-pending')).toHaveTextContent('2 pending');
    expect(
      screen.getByRole('button', {
        name: /Sync status: Offline\. offline copy as of .*2 pending local changes\. The backend did not answer/,
      }),
    ).toBeInTheDocument();

    act(() => desk.emit('sync:changed', { ...desk.syncStatus, state: 'syncing', pendingOutbox: 0 }));
    expect(screen.getByTestId('sync-state')).toHaveTextContent('Syncing');
    expect(screen.queryByTestId('sync-pending')).not.toBeInTheDocument();
  });

  it('says the server is delayed, with since when, instead of in sync', async () => {
    const { desk } = renderApp({ route: { view: 'sync' } });
    await waitFor(() => expect(screen.getByTestId('sync-state')).toHaveTextContent('Online'));
    act(() => desk.emit('sync:changed', { ...desk.syncStatus, serverDelayedSince: '2026-11-20T14:02:00.000Z' }));
    expect(screen.getByTestId('sync-freshness')).toHaveTextContent(
      `server delayed since ${formatTime('2026-11-20T14:02:00.000Z')}`,
    );
    expect(screen.getByTestId('sync-freshness')).not.toHaveTextContent(/synced/);
    expect(screen.getByTestId('sync-detail-delayed')).toHaveTextContent(formatDateTime('2026-11-20T14:02:00.000Z'));
    act(() => desk.emit('sync:changed', { ...desk.syncStatus, serverDelayedSince: null }));
    expect(screen.getByTestId('sync-freshness')).toHaveTextContent(/^synced /);
    expect(screen.queryByTestId('sync-detail-delayed')).not.toBeInTheDocument();
  });

  it('lists changes kept for another backend and discards them only after the user confirms', async () => {
    const desk = createFakeDesk(standardFixtures());
    let groups = [
      {
        backendKey: 'server-a/dana',
        label: 'https://a.example as dana',
        isCurrent: false,
        items: [
          {
            id: 'm1',
            name: 'note.create',
            summary: 'Note on acme: Confidential',
            status: 'pending' as const,
            clientTime: '2026-11-20T11:00:00.000Z',
            error: null,
          },
        ],
      },
    ];
    desk.override('outbox:list', () => ({ ok: true, value: { groups } }));
    const discards: unknown[] = [];
    desk.override('outbox:discard', (input) => {
      discards.push(input);
      groups = [];
      return { ok: true, value: { discarded: 1 } };
    });
    const { user } = renderApp({ route: { view: 'sync' }, desk });
    const waiting = await screen.findByTestId('outbox-waiting');
    expect(within(waiting).getByRole('heading', { name: 'Waiting for https://a.example as dana' })).toBeInTheDocument();
    expect(waiting).toHaveTextContent('Note on acme: Confidential');
    await user.click(within(waiting).getByRole('button', { name: /Discard 1 change for https:\/\/a.example as dana/ }));
    expect(discards).toEqual([]);
    await user.click(within(waiting).getByRole('button', { name: 'Keep them' }));
    expect(discards).toEqual([]);
    await user.click(within(waiting).getByRole('button', { name: /Discard 1 change/ }));
    await user.click(within(waiting).getByRole('button', { name: 'Discard for good' }));
    expect(discards).toEqual([{ backendKey: 'server-a/dana' }]);
    await waitFor(() => expect(screen.queryByTestId('outbox-waiting')).not.toBeInTheDocument());
    expect(screen.getByText(/every local change belongs to the backend in use/)).toBeInTheDocument();
  });

  it('runs Sync now and shows the answer', async () => {
    const { user, desk } = renderApp({ route: { view: 'sync' } });
    await user.click(screen.getByRole('button', { name: 'Sync now' }));
    expect(desk.inputsTo('sync:now')).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId('sync-detail-state')).toHaveTextContent('syncing'));
  });

  it('sets a remote backend; the token is write-only and never shown back', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'sync' }, desk });
    const form = screen.getByRole('region', { name: 'Backend' });
    await waitFor(() => expect(within(form).getByRole('radio', { name: 'Demo backend (built in)' })).toBeChecked());
    await user.click(within(form).getByRole('radio', { name: 'Remote server' }));
    await user.type(within(form).getByLabelText('Server URL'), 'javascript:alert(1)');
    await user.click(within(form).getByRole('button', { name: 'Save backend setting' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('http:// or https:// URL');
    await user.clear(within(form).getByLabelText('Server URL'));
    await user.type(within(form).getByLabelText('Server URL'), 'https://ops.example.com');
    // No token: people sign in with the server's identity provider.
    await user.click(within(form).getByRole('button', { name: 'Save backend setting' }));
    await within(form).findByText(/Saved\. Lightkeeper now syncs with https:\/\/ops.example.com/);
    expect(desk.inputsTo('backend:set')).toEqual([{ mode: 'remote', url: 'https://ops.example.com' }]);

    await user.type(within(form).getByLabelText('Access token (optional)'), 's3cret-token');
    await user.click(within(form).getByRole('button', { name: 'Save backend setting' }));
    await waitFor(() => expect(desk.inputsTo('backend:set')).toHaveLength(2));
    expect(desk.inputsTo('backend:set')[1]).toEqual({ mode: 'remote', url: 'https://ops.example.com', token: 's3cret-token' });
    expect(within(form).getByLabelText('Access token (optional)')).toHaveValue('');
    await within(form).findByText('A token is stored in the keychain. It is never shown again.');
    expect(document.body.innerHTML).not.toContain('s3cret-token');
  });
});
