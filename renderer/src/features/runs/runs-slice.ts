import type { StateCreator } from 'zustand';
import type { DeskApi, Input } from '../../../../shared/ipc/contract';
import type { ContractError, Result } from '../../../../shared/ipc/result';
import type { RunAct, RunView } from '../../../../shared/ipc/wizard-views';
import type { InputField, WizardDefinition } from '../../../../shared/wizards/format';
import { nextRequestId, type LoadStatus } from '../../store/requests';
import type { StoreState } from '../../store/store';
import { definitionKey } from './run-model';

/** The run open in the runner. */
export type OpenRun = {
  id: string | null;
  status: LoadStatus;
  view: RunView | null;
  error: ContractError | null;
  requestId: number;
};

/** A pinned wizard definition, loaded once per id and version. */
export type DefinitionLoad = { status: LoadStatus; definition: WizardDefinition | null; error: ContractError | null };

export type RunsSlice = {
  run: OpenRun;
  definitions: Record<string, DefinitionLoad>;
  /** Questions exactly as they were asked (templates filled in), by `<runId>|<path>`, for editing an answer later. */
  askedFields: Record<string, InputField[]>;
  /** Loads `runs:get`; `quiet` refreshes in place (after `runs:changed`) without blanking the runner. */
  loadRun(desk: DeskApi, runId: string, options?: { quiet?: boolean }): Promise<void>;
  /** Shows a view the desk answered with (after start or act): the desk's answer is the truth. */
  showRun(view: RunView): void;
  actOnRun(desk: DeskApi, runId: string, act: RunAct): Promise<Result<RunView>>;
  startRun(desk: DeskApi, input: Input<'runs:start'>): Promise<Result<RunView>>;
  loadDefinition(desk: DeskApi, wizardId: string, version: number): Promise<void>;
};

function rememberAsked(asked: Record<string, InputField[]>, view: RunView): Record<string, InputField[]> {
  const need = view.need;
  if (!need || need.need !== 'input') return asked;
  const key = `${view.runId}|${need.path}`;
  return asked[key] === need.fields ? asked : { ...asked, [key]: need.fields };
}

export const createRunsSlice: StateCreator<StoreState, [], [], RunsSlice> = (set, get) => ({
  run: { id: null, status: 'idle', view: null, error: null, requestId: 0 },
  definitions: {},
  askedFields: {},

  async loadRun(desk, runId, options = {}) {
    const requestId = nextRequestId();
    const previous = get().run;
    const keep = options.quiet === true && previous.id === runId;
    set({
      run: {
        id: runId,
        status: keep ? previous.status : 'loading',
        view: keep ? previous.view : null,
        error: keep ? previous.error : null,
        requestId,
      },
    });
    const result = await desk.runs.get({ runId });
    if (get().run.requestId !== requestId) return;
    if (result.ok) {
      set((state) => ({
        run: { id: runId, status: 'ready', view: result.value, error: null, requestId },
        askedFields: rememberAsked(state.askedFields, result.value),
      }));
    } else if (!keep || !previous.view) {
      set({ run: { id: runId, status: 'error', view: null, error: result.error, requestId } });
    }
  },

  showRun(view) {
    set((state) => ({
      // A newer request id drops any load still in flight: this answer is at least as new.
      run: { id: view.runId, status: 'ready', view, error: null, requestId: nextRequestId() },
      askedFields: rememberAsked(state.askedFields, view),
    }));
  },

  async actOnRun(desk, runId, act) {
    const result = await desk.runs.act({ runId, act });
    if (result.ok && get().run.id === runId) get().showRun(result.value);
    return result;
  },

  async startRun(desk, input) {
    const result = await desk.runs.start(input);
    if (result.ok) get().showRun(result.value);
    return result;
  },

  async loadDefinition(desk, wizardId, version) {
    const key = definitionKey(wizardId, version);
    const known = get().definitions[key];
    if (known && known.status !== 'error') return;
    set((state) => ({ definitions: { ...state.definitions, [key]: { status: 'loading', definition: null, error: null } } }));
    const result = await desk.wizards.get({ wizardId, version });
    const load: DefinitionLoad = result.ok
      ? { status: 'ready', definition: result.value.definition, error: null }
      : { status: 'error', definition: null, error: result.error };
    set((state) => ({ definitions: { ...state.definitions, [key]: load } }));
  },
});
