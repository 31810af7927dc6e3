import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { DeskApi, Output } from '../../../../shared/ipc/contract';
import type { WizardListItem } from '../../../../shared/ipc/wizard-views';
import type { AppRoute } from '../../../../shared/routes';
import { routeToDeepLink } from '../../../../shared/routes';
import { useDesk } from '../../api/DeskContext';
import { permissionFor } from '../../app/useCapability';
import { navigate } from '../../app/useHashRoute';
import { copyText } from '../../components/CopyLink';
import { useStore } from '../../store/store';
import './palette.css';

/** `keepOpen`: the command changes what the palette lists instead of closing it. */
type Command = { id: string; label: string; hint: string; run: () => void | Promise<void>; keepOpen?: boolean };

type OpenRun = Output<'runs:list'>['runs'][number];

const VIEWS: readonly { view: Exclude<AppRoute['view'], 'customer' | 'run'>; label: string }[] = [
  { view: 'fleet', label: 'Fleet' },
  { view: 'customers', label: 'Customers' },
  { view: 'wizards', label: 'Wizards' },
  { view: 'sync', label: 'Sync' },
  { view: 'releases', label: 'Releases' },
  { view: 'sources', label: 'Sources' },
  { view: 'about', label: 'About' },
];

/** At most this many customers are offered for one query. */
const CUSTOMER_MATCHES = 8;

/** The route of what is on screen, at the event under the keyboard position on a customer page. */
function currentRoute(): AppRoute {
  const { route, timeline } = useStore.getState();
  if (route.view !== 'customer') return route;
  const active = timeline.customerId === route.customerId ? timeline.rows.find((row) => row.id === timeline.activeId) : undefined;
  return active
    ? { view: 'customer', customerId: route.customerId, at: active.occurredAt }
    : { view: 'customer', customerId: route.customerId };
}

/** The customer a practice run started from the palette uses: the one last opened, else the first by name. */
function practiceCustomer(): { id: string; name: string } | null {
  const { customer, fleet } = useStore.getState();
  const opened = customer.detail?.customer;
  if (opened) return { id: opened.id, name: opened.name };
  const first = [...fleet.rows].sort((a, b) => a.name.localeCompare(b.name))[0];
  return first ? { id: first.id, name: first.name } : null;
}

/** Starts a run from the palette and opens the runner; a refusal becomes the notice. */
async function startFromPalette(
  desk: DeskApi,
  input: { wizardId: string; customerId: string; practice: boolean },
  report: (message: string) => void,
) {
  const result = await useStore.getState().startRun(desk, input);
  if (result.ok) navigate({ view: 'run', runId: result.value.runId });
  else report(`The run did not start: ${result.error.message}`);
}

/** "Start wizard…": the wizards for the customer on screen (suggested first), or practice runs anywhere else. */
function wizardCommands(
  desk: DeskApi,
  query: string,
  wizards: readonly WizardListItem[] | null,
  report: (message: string) => void,
): Command[] {
  const { route, customer } = useStore.getState();
  const text = query.trim().toLowerCase();
  const onCustomer =
    route.view === 'customer'
      ? {
          id: route.customerId,
          name: customer.detail?.customer.id === route.customerId ? customer.detail.customer.name : route.customerId,
        }
      : null;
  // Someone who may not run wizards (a viewer) is offered practice runs, on the customer on screen too.
  const mayOperate = permissionFor(useStore.getState().identity?.user?.roles ?? null, 'operate').isAllowed;
  const practice = onCustomer && mayOperate ? null : (onCustomer ?? practiceCustomer());
  const commands: Command[] = [];
  for (const wizard of wizards ?? []) {
    if (text !== '' && !wizard.title.toLowerCase().includes(text) && !wizard.id.includes(text)) continue;
    if (onCustomer && mayOperate) {
      commands.push({
        id: `start-${wizard.id}`,
        label: `Start ${wizard.title}`,
        hint: wizard.isSuggested ? `suggested for ${onCustomer.name}` : `for ${onCustomer.name}`,
        run: () => startFromPalette(desk, { wizardId: wizard.id, customerId: onCustomer.id, practice: false }, report),
      });
    } else if (practice) {
      commands.push({
        id: `practice-${wizard.id}`,
        label: `Practice ${wizard.title}`,
        hint: `practice with ${practice.name}`,
        run: () => startFromPalette(desk, { wizardId: wizard.id, customerId: practice.id, practice: true }, report),
      });
    }
  }
  commands.push({
    id: 'wizard-library',
    label: 'Open the wizard library',
    hint: 'View',
    run: () => navigate({ view: 'wizards' }),
  });
  return commands;
}

/** "Resume run…": the runs still open, newest first. */
function runCommands(query: string, runs: readonly OpenRun[] | null): Command[] {
  const text = query.trim().toLowerCase();
  return (runs ?? [])
    .filter((run) => text === '' || `${run.title} ${run.customerName}`.toLowerCase().includes(text))
    .map((run) => ({
      id: `resume-${run.runId}`,
      label: `Resume ${run.title} — ${run.customerName}`,
      hint: run.practice ? 'practice run' : run.status === 'waiting' ? 'waiting for you' : run.status,
      run: () => navigate({ view: 'run', runId: run.runId }),
    }));
}

function buildCommands(desk: DeskApi, query: string, report: (message: string) => void): Command[] {
  const store = useStore.getState();
  const text = query.trim().toLowerCase();
  const commands: Command[] = [];
  // Views first (a view name typed is meant), then customers, actions, and searching for the text last.
  for (const item of VIEWS) {
    if (text === '' || item.label.toLowerCase().includes(text) || `go to ${item.label}`.toLowerCase().includes(text)) {
      commands.push({
        id: `view-${item.view}`,
        label: `Go to ${item.label}`,
        hint: 'View',
        run: () => navigate({ view: item.view }),
      });
    }
  }
  if (text !== '') {
    const customers = store.fleet.rows
      .filter((row) => row.name.toLowerCase().includes(text) || row.id.toLowerCase().includes(text))
      .slice(0, CUSTOMER_MATCHES);
    for (const row of customers) {
      commands.push({
        id: `customer-${row.id}`,
        label: `Open customer ${row.name}`,
        hint: `${row.id} · ${row.health}`,
        run: () => navigate({ view: 'customer', customerId: row.id }),
      });
    }
  }
  const onCustomer = store.route.view === 'customer';
  const actions: Command[] = [
    {
      id: 'start-wizard',
      label: 'Start wizard…',
      hint: onCustomer ? 'Wizards for this customer' : 'Practice a wizard',
      keepOpen: true,
      run: () => store.setPaletteMode('start-wizard'),
    },
    {
      id: 'resume-run',
      label: 'Resume run…',
      hint: 'Open wizard runs',
      keepOpen: true,
      run: () => store.setPaletteMode('resume-run'),
    },
    {
      id: 'copy-link',
      label: 'Copy link to this page',
      hint: 'Link',
      run: async () => {
        const link = routeToDeepLink(currentRoute());
        report((await copyText(link)) ? `Copied ${link}` : `The clipboard is not available. The link is ${link}`);
      },
    },
    {
      id: 'sync-now',
      label: 'Sync now',
      hint: 'Sync',
      run: async () => {
        const result = await desk.sync.now();
        if (result.ok) store.setSyncStatus(result.value);
        else report(`Sync did not start: ${result.error.message}`);
      },
    },
  ];
  commands.push(...actions.filter((action) => text === '' || action.label.toLowerCase().includes(text)));
  if (text !== '') {
    commands.push({
      id: 'search',
      label: `Search customers and events for “${query.trim()}”`,
      hint: 'Search',
      run: () => {
        store.setSearchText(desk, query.trim());
        store.requestSearchFocus();
      },
    });
  }
  return commands;
}

/**
 * Ctrl/Cmd+K: jump to a customer, search, switch views, copy a link. A modal
 * dialog that keeps focus inside and gives it back when it closes.
 */
export function CommandPalette() {
  const desk = useDesk();
  const setOpen = useStore((state) => state.setPaletteOpen);
  const fleetRows = useStore((state) => state.fleet.rows);
  const fleetStatus = useStore((state) => state.fleet.status);
  const loadFleet = useStore((state) => state.loadFleet);
  const setNotice = useStore((state) => state.setNotice);
  const mode = useStore((state) => state.paletteMode);
  const setMode = useStore((state) => state.setPaletteMode);
  const [query, setQuery] = useState('');
  const [wizards, setWizards] = useState<WizardListItem[] | null>(null);
  const [openRuns, setOpenRuns] = useState<OpenRun[] | null>(null);
  const [activeIndex, setActiveIndex] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const listId = useId();

  // Remember who had focus, take it, and give it back on close.
  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    inputRef.current?.focus();
    return () => {
      if (previous && previous.isConnected) previous.focus();
    };
  }, []);

  useEffect(() => {
    if (fleetStatus === 'idle') void loadFleet(desk);
  }, [fleetStatus, loadFleet, desk]);

  // A command that asks a second question loads its choices when the palette switches to it.
  useEffect(() => {
    let isCurrent = true;
    if (mode === 'start-wizard') {
      const route = useStore.getState().route;
      void desk.wizards.list(route.view === 'customer' ? { customerId: route.customerId } : {}).then((result) => {
        if (!isCurrent) return;
        if (result.ok) setWizards(result.value.wizards);
        else setNotice(`The wizards could not be listed: ${result.error.message}`);
      });
    } else if (mode === 'resume-run') {
      void desk.runs.list({ status: 'active' }).then((result) => {
        if (!isCurrent) return;
        if (result.ok) setOpenRuns(result.value.runs);
        else setNotice(`The open runs could not be listed: ${result.error.message}`);
      });
    }
    return () => {
      isCurrent = false;
    };
  }, [desk, mode, setNotice]);

  const commands = useMemo(
    () =>
      mode === 'start-wizard'
        ? wizardCommands(desk, query, wizards, setNotice)
        : mode === 'resume-run'
          ? runCommands(query, openRuns)
          : buildCommands(desk, query, setNotice),
    // The customer list is read inside; recompute when it changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [desk, query, setNotice, fleetRows, mode, wizards, openRuns],
  );
  const active = commands[Math.min(activeIndex, commands.length - 1)];

  const close = () => setOpen(false);
  const run = (command: Command | undefined) => {
    if (!command) return;
    if (command.keepOpen) {
      setQuery('');
      setActiveIndex(0);
      void command.run();
      inputRef.current?.focus();
      return;
    }
    close();
    // Run after the dialog gave focus back, so a command that moves focus (search) keeps it.
    window.setTimeout(() => void command.run(), 0);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (commands.length > 0)
        setActiveIndex((index) => (index + (event.key === 'ArrowDown' ? 1 : -1) + commands.length) % commands.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      run(active);
    } else if (event.key === 'Backspace' && query === '' && mode !== 'commands') {
      // Back from a command's choices to the commands.
      event.preventDefault();
      setMode('commands');
      setActiveIndex(0);
    } else if (event.key === 'Tab') {
      // Focus stays in the dialog: cycle through its own focusable elements.
      const focusable = [...(dialogRef.current?.querySelectorAll<HTMLElement>('input, button') ?? [])];
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (!first || !last) return;
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  };

  return (
    <div className="palette-backdrop" onMouseDown={(event) => event.target === event.currentTarget && close()}>
      <div ref={dialogRef} className="palette" role="dialog" aria-modal="true" aria-labelledby={titleId} onKeyDown={onKeyDown}>
        <h2 id={titleId} className="visually-hidden">
          Command palette
        </h2>
        <input
          ref={inputRef}
          type="text"
          role="combobox"
          aria-label={mode === 'start-wizard' ? 'Wizard to start' : mode === 'resume-run' ? 'Run to resume' : 'Command'}
          aria-expanded="true"
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={active ? `palette-${active.id}` : undefined}
          placeholder={
            mode === 'start-wizard'
              ? 'Type to find a wizard · Backspace for all commands'
              : mode === 'resume-run'
                ? 'Type to find an open run · Backspace for all commands'
                : 'Type a customer, a view, or words to search for'
          }
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActiveIndex(0);
          }}
        />
        <ul id={listId} role="listbox" aria-label="Commands" className="palette-list">
          {commands.map((command, index) => (
            <li
              key={command.id}
              id={`palette-${command.id}`}
              role="option"
              aria-selected={command === active}
              className={command === active ? 'palette-option is-active' : 'palette-option'}
              onMouseDown={(event) => event.preventDefault()}
              onMouseMove={() => index !== activeIndex && setActiveIndex(index)}
              onClick={() => run(command)}
            >
              <span>{command.label}</span>
              <span className="palette-hint">{command.hint}</span>
            </li>
          ))}
        </ul>
        {commands.length === 0 ? (
          <p className="palette-empty">
            {mode === 'resume-run' ? (openRuns === null ? 'Loading open runs…' : 'No open run matches.') : 'No command matches.'}
          </p>
        ) : null}
        <div className="palette-foot">
          <span className="muted">↑↓ to choose · Enter to run · Esc to close</span>
          <button type="button" onClick={close}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
