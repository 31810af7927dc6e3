import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { routeToHash, type AppRoute } from '../../../shared/routes';
import { App } from '../../../renderer/src/App';
import { DeskProvider } from '../../../renderer/src/api/DeskContext';
import { createFakeDesk, type FakeDesk } from './fake-desk';
import { standardFixtures, type Fixtures } from './fixtures';

/** Renders the whole app on a route, against a fake desk answering from fixtures. */
export function renderApp(options: { route?: AppRoute; fixtures?: Fixtures; desk?: FakeDesk } = {}) {
  const desk = options.desk ?? createFakeDesk(options.fixtures ?? standardFixtures());
  if (options.route) window.location.hash = routeToHash(options.route);
  // No pause between keystrokes: the tests wait on outcomes, never on time.
  const user = userEvent.setup({ delay: null });
  const view = render(
    <DeskProvider api={desk.api}>
      <App />
    </DeskProvider>,
  );
  return { desk, user, ...view };
}

/** The timeline listbox of the customer page. */
export function timelineList(): HTMLElement {
  return screen.getByRole('listbox', { name: 'Timeline events' });
}

/** The summaries of the rendered timeline rows, top to bottom. */
export function rowSummaries(): string[] {
  return within(timelineList())
    .queryAllByTestId('timeline-row')
    .map((row) => row.querySelector('.row-summary')?.textContent ?? '');
}

/** The last input sent to `timeline:page` (the newest query). */
export function lastTimelineInput(desk: FakeDesk): Record<string, unknown> {
  const inputs = desk.inputsTo('timeline:page');
  return inputs[inputs.length - 1] as Record<string, unknown>;
}
