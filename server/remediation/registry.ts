import { ACTIONS, type ActionName } from '../../shared/wizards/catalog';
import { createDemoRunner } from './demo-runner';
import { createHttpRunner, type ActionsConfig } from './http-runner';
import type { RegisteredAction } from './types';

/** The demo runner's version of every action; raise it when the demo runner's behaviour changes. */
const DEMO_RUNNER_VERSION = 1;

export type ActionRegistry = {
  /** The registered action, or undefined for a name the catalog does not know. */
  get(name: string): RegisteredAction | undefined;
  list(): RegisteredAction[];
};

export type ActionRegistryOptions = {
  /** Actions wired to an admin API; the others run against the demo fleet. */
  httpActions?: ActionsConfig | null;
  /** Where the HTTP runner reads secrets named in the config. */
  env?: Readonly<Record<string, string | undefined>>;
};

/**
 * Every catalog action with its parameter schema, risk and runner: the HTTP
 * runner when the actions config wires it, the demo-fleet runner otherwise.
 * Names and schemas come from the shared catalog, so desk and server agree.
 */
export function createActionRegistry(options: ActionRegistryOptions = {}): ActionRegistry {
  const actions = new Map<string, RegisteredAction>();
  for (const name of Object.keys(ACTIONS) as ActionName[]) {
    const spec = ACTIONS[name];
    const http = options.httpActions?.actions[name];
    actions.set(name, {
      name,
      summary: spec.summary,
      risk: spec.risk,
      params: spec.params,
      version: http ? http.version : DEMO_RUNNER_VERSION,
      runner: http ? createHttpRunner(name, http, options.env) : createDemoRunner(name),
    });
  }
  return {
    get: (name) => (Object.hasOwn(ACTIONS, name) ? actions.get(name) : undefined),
    list: () => [...actions.values()],
  };
}
