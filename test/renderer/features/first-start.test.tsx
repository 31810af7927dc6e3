import { screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { describe, expect, it } from 'vitest';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/** A desk on its very first start: nothing cached, the demo backend still booting. */
function firstStartDesk() {
  const desk = createFakeDesk({ ...standardFixtures(), customers: [], events: [] });
  Object.assign(desk.syncStatus, {
    state: 'syncing',
    lastSyncAt: null,
    backendUrl: null,
    message: 'Starting the demo backend… preparing 60 customers',
  });
  return desk;
}

describe('first start (#15, item 2)', () => {
  it('says the demo backend is starting, then shows the first copy coming in, never "no backend"', async () => {
    const desk = firstStartDesk();
    renderApp({ route: { view: 'fleet' }, desk });
    await waitFor(() =>
      expect(screen.getByTestId('sync-freshness')).toHaveTextContent('Starting the demo backend… preparing 60 customers'),
    );
    expect(screen.getByTestId('sync-state')).toHaveTextContent('Syncing');
    expect(screen.getByTestId('first-start')).toHaveTextContent('Starting the demo backend… preparing 60 customers');
    expect(screen.queryByText(/No customers in the local cache/)).not.toBeInTheDocument();
    expect(screen.queryByText(/not synced yet/)).not.toBeInTheDocument();

    act(() =>
      desk.emit('sync:changed', {
        ...desk.syncStatus,
        message: null,
        backendUrl: 'http://127.0.0.1:41234',
        isBootstrapping: true,
        firstSync: { pages: 2, changes: 1340, customers: 12 },
      }),
    );
    expect(screen.getByTestId('first-start')).toHaveTextContent(
      `Loading the first copy of the fleet…2 pages applied · ${(1340).toLocaleString()} changes · 12 customers so far`,
    );
    expect(screen.getByTestId('sync-freshness')).toHaveTextContent('first copy: 12 customers so far');
  });

  it('says why the demo backend did not start and where to go, instead of a dead end', async () => {
    const desk = firstStartDesk();
    renderApp({ route: { view: 'fleet' }, desk });
    await screen.findByTestId('first-start');
    act(() =>
      desk.emit('sync:changed', {
        ...desk.syncStatus,
        state: 'error',
        message:
          'The demo backend exited with code 1 before it was ready: Could not open the database: disk full. Point Lightkeeper at a backend on the Sync page, or restart to try again.',
      }),
    );
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Could not open the database: disk full');
    expect(alert).toHaveTextContent('Check or change the backend on the Sync page.');
    expect(within(alert).getByRole('link', { name: 'Sync' })).toHaveAttribute('href', '#/sync');
  });
});
