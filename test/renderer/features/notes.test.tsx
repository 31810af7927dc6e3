import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createFakeDesk } from '../support/fake-desk';
import { eventBySummary, standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

async function openAcme() {
  const desk = createFakeDesk(standardFixtures());
  const rendered = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
  await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
  return { ...rendered, desk };
}

function notesRegion() {
  return screen.getByRole('region', { name: /^Notes \(/ });
}

describe('notes', () => {
  it('shows a new customer note at once as pending, and clears pending when the server acknowledged it', async () => {
    const { user, desk } = await openAcme();
    expect(within(notesRegion()).getByText('Customer uses Okta with a custom audience.')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Add a note to this customer'), 'Rolled back sso.strict_audience; logins recovering.');
    await user.click(within(notesRegion()).getByRole('button', { name: 'Add note' }));

    const note = (
      await within(notesRegion()).findByText('Rolled back sso.strict_audience; logins recovering.', { selector: '.note-body' })
    ).closest('li')!;
    expect(within(note).getByText('pending')).toBeInTheDocument();
    expect(desk.inputsTo('notes:create')).toEqual([
      { customerId: 'acme', eventId: null, body: 'Rolled back sso.strict_audience; logins recovering.' },
    ]);
    expect(screen.getByLabelText('Add a note to this customer')).toHaveValue('');

    // The sync engine pushed it; the core's cache now says so and announces the change.
    const stored = desk.fixtures.notes.find((candidate) => candidate.body.startsWith('Rolled back'))!;
    Object.assign(stored, { pending: false, ver: 1 });
    desk.emit('cache:changed', { customerIds: ['acme'], global: false });
    await waitFor(() => expect(within(note).queryByText('pending')).not.toBeInTheDocument());
  });

  it('shows the server refusal on a note', async () => {
    const fixtures = standardFixtures();
    fixtures.notes.push({
      ...fixtures.notes[0]!,
      id: 'refused-1',
      body: 'A note the server refused',
      author: 'you@ops.example',
      pending: false,
      error: 'Customer is archived; notes are read-only.',
    });
    const desk = createFakeDesk(fixtures);
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const note = (await screen.findByText('A note the server refused')).closest('li')!;
    expect(within(note).getByRole('alert')).toHaveTextContent(
      'The server did not accept this note: Customer is archived; notes are read-only.',
    );
  });

  it('adds a note to the selected event and edits it', async () => {
    const { user, desk } = await openAcme();
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await user.click(screen.getByRole('option', { name: /SSO login failing for most users/ }));
    const panel = await screen.findByRole('complementary', { name: /SSO login failing/ });
    await user.type(within(panel).getByLabelText('Add a note to this event'), 'Paged the identity team.');
    await user.click(within(panel).getByRole('button', { name: 'Add note' }));
    const alert = eventBySummary(desk.fixtures, 'SSO login failing for most users');
    expect(desk.inputsTo('notes:create')).toEqual([{ customerId: 'acme', eventId: alert.id, body: 'Paged the identity team.' }]);
    const note = (await within(panel).findByText('Paged the identity team.', { selector: '.note-body' })).closest('li')!;
    expect(within(note).getByText('pending')).toBeInTheDocument();
    // An event note is not a customer note.
    expect(within(notesRegion()).queryByText('Paged the identity team.')).not.toBeInTheDocument();

    await user.click(within(note).getByRole('button', { name: /Edit note by Dana Desk/ }));
    const field = within(note).getByLabelText('Edit note');
    await user.clear(field);
    await user.type(field, 'Paged the identity team; they own the IdP config.');
    await user.click(within(note).getByRole('button', { name: 'Save note' }));
    await within(panel).findByText('Paged the identity team; they own the IdP config.', { selector: '.note-body' });
    expect(desk.inputsTo('notes:update')).toEqual([
      { noteId: 'local-note-1', body: 'Paged the identity team; they own the IdP config.' },
    ]);
  });

  it('offers Edit only on the signed-in user’s own notes', async () => {
    const { user } = await openAcme();
    const existing = within(notesRegion()).getByText('Customer uses Okta with a custom audience.').closest('li')!;
    await waitFor(() => expect(within(existing).queryByRole('button', { name: /Edit note/ })).not.toBeInTheDocument());
    await user.type(screen.getByLabelText('Add a note to this customer'), 'Mine.');
    await user.click(within(notesRegion()).getByRole('button', { name: 'Add note' }));
    const mine = (await within(notesRegion()).findByText('Mine.', { selector: '.note-body' })).closest('li')!;
    expect(within(mine).getByRole('button', { name: 'Edit note by Dana Desk' })).toBeInTheDocument();
    expect(mine).toHaveTextContent('Dana Desk (you)');
  });

  it('offers Edit on every note while nobody is known, until a note written here teaches the author', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('identity:get', () => ({
      ok: true,
      value: {
        method: 'none',
        user: null,
        issuer: null,
        signInNeeded: false,
        secrets: { kind: 'memory', description: 'memory', needsConsent: false },
      },
    }));
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
    const existing = within(notesRegion()).getByText('Customer uses Okta with a custom audience.').closest('li')!;
    // Before any note is written here the author is unknown: the desk decides.
    expect(within(existing).getByRole('button', { name: /Edit note/ })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Add a note to this customer'), 'Mine.');
    await user.click(within(notesRegion()).getByRole('button', { name: 'Add note' }));
    const mine = (await within(notesRegion()).findByText('Mine.', { selector: '.note-body' })).closest('li')!;
    expect(within(mine).getByRole('button', { name: /Edit note/ })).toBeInTheDocument();
    expect(within(existing).queryByRole('button', { name: /Edit note/ })).not.toBeInTheDocument();
  });

  it('refuses an empty note without calling the desk, and shows a desk refusal with what to do', async () => {
    const { user, desk } = await openAcme();
    await user.click(within(notesRegion()).getByRole('button', { name: 'Add note' }));
    expect(within(notesRegion()).getByRole('alert')).toHaveTextContent('A note needs some text.');
    expect(desk.inputsTo('notes:create')).toHaveLength(0);

    desk.override('notes:create', () => ({
      ok: false,
      error: { code: 'internal', message: 'The outbox could not be written.' },
    }));
    await user.type(screen.getByLabelText('Add a note to this customer'), 'Kept in the box.');
    await user.click(within(notesRegion()).getByRole('button', { name: 'Add note' }));
    expect(await within(notesRegion()).findByText('The outbox could not be written.')).toBeInTheDocument();
    // Nothing typed is lost.
    expect(screen.getByLabelText('Add a note to this customer')).toHaveValue('Kept in the box.');
  });

  it('shows an edit that lost as "changed by … while you edited" with both texts, and resolves it three ways', async () => {
    const desk = createFakeDesk(standardFixtures());
    const note = desk.fixtures.notes[0]!;
    Object.assign(note, {
      conflict: {
        mine: 'Cause: the IdP metadata expired\nNext: renew it',
        base: 'Cause: unknown\nNext: renew it',
        theirs: {
          body: 'Cause: the proxy strips headers\nNext: renew it',
          actor: 'dana',
          at: '2026-11-20T12:30:00.000Z',
          ver: 2,
        },
      },
    });
    const resolutions: unknown[] = [];
    desk.override('notes:resolveConflict', (input) => {
      resolutions.push(input);
      return { ok: true, value: { ...note, conflict: null } };
    });
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const conflict = await screen.findByRole('group', { name: 'Conflicting edits of this note' });
    expect(within(conflict).getByRole('alert')).toHaveTextContent('Changed by dana while you edited');
    expect(within(conflict).getByRole('region', { name: 'Your version' })).toHaveTextContent('the IdP metadata expired');
    expect(within(conflict).getByRole('region', { name: 'Version by dana' })).toHaveTextContent('the proxy strips headers');
    // While it waits, the note offers no plain edit.
    expect(within(notesRegion()).queryByRole('button', { name: /Edit note/ })).not.toBeInTheDocument();

    await user.click(within(conflict).getByRole('button', { name: 'Merge…' }));
    const draft = within(conflict).getByLabelText(/Merged note/);
    expect(draft).toHaveValue(
      '<<<<<<< your version\nCause: the IdP metadata expired\n=======\nCause: the proxy strips headers\n>>>>>>> their version\nNext: renew it',
    );
    await user.clear(draft);
    await user.type(draft, 'Cause: the IdP metadata expired and the proxy strips headers');
    await user.click(within(conflict).getByRole('button', { name: 'Save merged note' }));
    expect(resolutions).toEqual([
      { noteId: note.id, choice: 'merge', body: 'Cause: the IdP metadata expired and the proxy strips headers' },
    ]);
    await waitFor(() => expect(screen.queryByRole('group', { name: 'Conflicting edits of this note' })).not.toBeInTheDocument());
  });

  it('keeps or takes a version with one button each', async () => {
    const desk = createFakeDesk(standardFixtures());
    const note = desk.fixtures.notes[0]!;
    const conflict = {
      mine: 'mine',
      base: 'base',
      theirs: { body: 'theirs', actor: 'dana', at: '2026-11-20T12:30:00.000Z', ver: 2 },
    };
    Object.assign(note, { conflict });
    const resolutions: unknown[] = [];
    desk.override('notes:resolveConflict', (input) => {
      resolutions.push(input);
      return { ok: true, value: { ...note, conflict: (input as { choice: string }).choice === 'mine' ? conflict : null } };
    });
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const group = await screen.findByRole('group', { name: 'Conflicting edits of this note' });
    await user.click(within(group).getByRole('button', { name: 'Keep my version' }));
    // The buttons are disabled while the first choice is saved; the second click waits for them.
    await waitFor(() =>
      expect(
        within(screen.getByRole('group', { name: 'Conflicting edits of this note' })).getByRole('button', {
          name: 'Take their version',
        }),
      ).toBeEnabled(),
    );
    await user.click(
      within(screen.getByRole('group', { name: 'Conflicting edits of this note' })).getByRole('button', {
        name: 'Take their version',
      }),
    );
    expect(resolutions).toEqual([
      { noteId: note.id, choice: 'mine' },
      { noteId: note.id, choice: 'theirs' },
    ]);
  });

  it('shows the history of a note: who wrote what, when', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('notes:history', () => ({
      ok: true,
      value: {
        revisions: [
          { id: 'r1', ver: 1, kind: 'create', actor: 'sam@ops.example', at: '2026-11-19T10:00:00.000Z', body: 'first' },
          { id: 'r2', ver: null, kind: 'conflict', actor: 'dana', at: '2026-11-19T11:00:00.000Z', body: 'lost text' },
        ],
      },
    }));
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
    await user.click(within(notesRegion()).getByRole('button', { name: /Show history of the note/ }));
    const history = await within(notesRegion()).findByRole('list', { name: 'Note history' });
    expect(
      within(history)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([
      expect.stringMatching(/^sam@ops\.example wrote .*first$/),
      expect.stringMatching(/^dana edited at the same time \(not applied; kept here\) .*lost text$/),
    ]);
  });
});
