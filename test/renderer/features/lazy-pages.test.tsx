import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { lazyPage } from '../../../renderer/src/app/lazyPage';
import { PageFrame } from '../../../renderer/src/app/pages';

/** A page module whose arrival the test decides. */
function deferredPage() {
  let loads = 0;
  let settle: { resolve: () => void; reject: (error: Error) => void } | null = null;
  const Page = lazyPage(
    'TestPage',
    () =>
      new Promise<{ TestPage: (props: { name: string }) => React.JSX.Element }>((resolve, reject) => {
        loads += 1;
        settle = {
          resolve: () => resolve({ TestPage: ({ name }) => <h1>Page for {name}</h1> }),
          reject,
        };
      }),
    (module) => module.TestPage,
  );
  return {
    Page,
    loads: () => loads,
    resolve: () => act(async () => settle?.resolve()),
    reject: (message: string) => act(async () => settle?.reject(new Error(message))),
  };
}

describe('lazy pages (#15, item 16)', () => {
  it('shows an announced loading state until the page’s chunk arrives, then the page', async () => {
    const page = deferredPage();
    render(
      <PageFrame routeKey="test">
        <page.Page name="Northwind" />
      </PageFrame>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Loading the page…');
    expect(screen.getByRole('status').closest('[aria-busy="true"]')).not.toBeNull();
    expect(screen.queryByRole('heading')).not.toBeInTheDocument();

    await page.resolve();
    expect(await screen.findByRole('heading', { name: 'Page for Northwind' })).toBeInTheDocument();
    expect(screen.queryByText('Loading the page…')).not.toBeInTheDocument();
    expect(page.loads()).toBe(1);
  });

  it('renders a page that has loaded at once the next time, without loading it again', async () => {
    const page = deferredPage();
    const preloaded = page.Page.preload();
    await page.resolve();
    await preloaded;
    render(
      <PageFrame routeKey="test">
        <page.Page name="Contoso" />
      </PageFrame>,
    );
    // No waiting: the page is there in the first render.
    expect(screen.getByRole('heading', { name: 'Page for Contoso' })).toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
    expect(page.loads()).toBe(1);
  });

  it('says what to do when a page’s chunk cannot be loaded, and loads it afresh next time', async () => {
    const page = deferredPage();
    render(
      <PageFrame routeKey="test">
        <page.Page name="Litware" />
      </PageFrame>,
    );
    await page.reject('Failed to fetch dynamically imported module');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This page could not be shown');
    expect(alert).toHaveTextContent('Failed to fetch dynamically imported module');
    expect(alert).toHaveTextContent('Reload the window');
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument();

    // The failure is not remembered: the next attempt fetches the chunk again.
    const retry = page.Page.preload();
    expect(page.loads()).toBe(2);
    await page.resolve();
    await retry;
  });
});
