import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../support/render';

describe('updates on the About page (issue 14)', () => {
  it('chooses the channel, shows the notice the shell sends, and restarts to update once it is ready', async () => {
    const { desk, user } = renderApp({ route: { view: 'about' } });
    const panel = await screen.findByRole('region', { name: 'Updates' });
    const channel = within(panel).getByRole('group', { name: 'Update channel' });
    expect(within(channel).getByRole('radio', { name: /^Stable/ })).toBeChecked();
    expect(within(panel).queryByRole('button', { name: 'Restart to update' })).not.toBeInTheDocument();

    await user.click(within(channel).getByRole('radio', { name: /^Beta/ }));
    await waitFor(() => expect(within(channel).getByRole('radio', { name: /^Beta/ })).toBeChecked());
    expect(desk.inputsTo('updates:setChannel')).toEqual([{ channel: 'beta' }]);

    const base = {
      channel: 'beta' as const,
      feedUrl: 'https://updates.example.com/lightkeeper',
      message: null,
      checkedAt: '2026-12-04T10:00:00.000Z',
    };
    desk.emit('updates:changed', { ...base, state: 'downloading', version: '1.3.0-beta.1', percent: 40 });
    expect(await within(panel).findByText(/Update 1\.3\.0-beta\.1 available: downloading \(40 %\)/)).toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: 'Check now' })).toBeDisabled();

    desk.emit('updates:changed', { ...base, state: 'ready', version: '1.3.0-beta.1', percent: 100 });
    expect(await within(panel).findByText(/ready to install: restart Lightkeeper to update/)).toBeInTheDocument();
    desk.override('updates:restart', () => ({
      ok: true,
      value: { ...base, state: 'ready', version: '1.3.0-beta.1', percent: 100 },
    }));
    await user.click(within(panel).getByRole('button', { name: 'Restart to update' }));
    expect(desk.inputsTo('updates:restart')).toHaveLength(1);
  });

  it('says why a desk does not update itself, and offers no buttons then', async () => {
    const { desk } = renderApp({ route: { view: 'about' } });
    const panel = await screen.findByRole('region', { name: 'Updates' });
    await within(panel).findByRole('radio', { name: /^Stable/ });
    desk.emit('updates:changed', {
      channel: 'stable',
      state: 'unavailable',
      feedUrl: null,
      version: null,
      percent: null,
      message: 'Browser mode does not update itself: update the checkout or the server that serves this page.',
      checkedAt: null,
    });
    expect(await within(panel).findByText(/Browser mode does not update itself/)).toBeInTheDocument();
    expect(within(panel).queryByRole('button')).not.toBeInTheDocument();
  });

  it('says on every page when an update is ready, restarts on request, and Later hides it until the next version', async () => {
    const { desk, user } = renderApp({ route: { view: 'fleet' } });
    await screen.findByRole('heading', { level: 1, name: 'Fleet' });
    const base = {
      channel: 'stable' as const,
      feedUrl: 'https://updates.example.com/lightkeeper',
      message: null,
      checkedAt: '2026-12-04T10:00:00.000Z',
    };
    desk.emit('updates:changed', { ...base, state: 'downloading', version: '1.3.0', percent: 40 });
    await waitFor(() => expect(desk.inputsTo('updates:status').length).toBeGreaterThan(0));
    expect(screen.queryByRole('region', { name: 'Update ready' })).not.toBeInTheDocument();

    desk.emit('updates:changed', { ...base, state: 'ready', version: '1.3.0', percent: 100 });
    const notice = await screen.findByRole('region', { name: 'Update ready' });
    expect(notice).toHaveTextContent('Lightkeeper 1.3.0 is downloaded: restart to update');
    desk.override('updates:restart', () => ({ ok: false, error: { code: 'conflict', message: 'The shell refused.' } }));
    await user.click(within(notice).getByRole('button', { name: 'Restart to update' }));
    expect(desk.inputsTo('updates:restart')).toHaveLength(1);
    expect(await within(notice).findByText(/The shell refused/)).toBeInTheDocument();

    await user.click(within(notice).getByRole('button', { name: 'Later' }));
    expect(screen.queryByRole('region', { name: 'Update ready' })).not.toBeInTheDocument();
    desk.emit('updates:changed', { ...base, state: 'ready', version: '1.3.0', percent: 100 });
    expect(screen.queryByRole('region', { name: 'Update ready' })).not.toBeInTheDocument();
    desk.emit('updates:changed', { ...base, state: 'ready', version: '1.3.1', percent: 100 });
    expect(await screen.findByRole('region', { name: 'Update ready' })).toHaveTextContent('Lightkeeper 1.3.1');
  });

  it('leaves the notice to the About page there', async () => {
    const { desk } = renderApp({ route: { view: 'about' } });
    const panel = await screen.findByRole('region', { name: 'Updates' });
    desk.emit('updates:changed', {
      channel: 'stable',
      state: 'ready',
      version: '1.3.0',
      percent: 100,
      feedUrl: 'https://updates.example.com/lightkeeper',
      message: null,
      checkedAt: '2026-12-04T10:00:00.000Z',
    });
    expect(await within(panel).findByText(/ready to install/)).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Update ready' })).not.toBeInTheDocument();
  });
});
