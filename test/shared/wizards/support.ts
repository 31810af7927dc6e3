import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  applyEvent,
  createRun,
  parseWizard,
  resumeRun,
  type Need,
  type RunEvent,
  type RunResult,
  type RunState,
  type WizardDefinition,
} from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';

export const fixturesDirectory = join(import.meta.dirname, '..', '..', 'fixtures', 'wizards');

/** Parses a wizard that must be valid; fails the test with its issues otherwise. */
export function wizard(source: string, knownWizards?: readonly string[]): WizardDefinition {
  const { definition, issues } = parseWizard(source, 'inline.yaml', {
    catalog: demoPublishedCatalog(),
    ...(knownWizards ? { knownWizards } : {}),
  });
  expect(issues).toEqual([]);
  if (!definition) throw new Error('no definition');
  return definition;
}

/** The example wizards under test/fixtures/wizards. */
export function fixtureLibrary(): WizardDefinition[] {
  return readdirSync(fixturesDirectory)
    .filter((file) => file.endsWith('.yaml') && !file.includes('.scenario.'))
    .map((file) => {
      const { definition, issues } = parseWizard(readFileSync(join(fixturesDirectory, file), 'utf8'), file, {
        catalog: demoPublishedCatalog(),
      });
      expect(issues, file).toEqual([]);
      if (!definition) throw new Error(file);
      return definition;
    });
}

export function fixtureSource(file: string): string {
  return readFileSync(join(fixturesDirectory, file), 'utf8');
}

/** Parses a wizard that must be valid and starts a real (not practice) run of it as run r1 for acme, against the demo catalog. */
export function startWizard(source: string): { library: WizardDefinition[]; run: { state: RunState; need: Need } } {
  const definition = wizard(source);
  const library = [definition];
  const run = expectOk(
    createRun(
      definition,
      { runId: 'r1', customerId: 'acme', startedAt: at(0), practice: false },
      library,
      demoPublishedCatalog(),
    ),
  );
  return { library, run };
}

/** Narrows a result to success, failing the test with the engine's error otherwise. */
export function expectOk(result: RunResult): { state: RunState; need: Need } {
  if (!result.ok) throw new Error(`engine refused: ${result.error.code}: ${result.error.message}`);
  return result;
}

/** Narrows a result to a refusal. */
export function expectRefused(result: RunResult, code: string): string {
  if (result.ok) throw new Error(`expected a refusal (${code}) but the engine answered ${result.need.need}`);
  expect(result.error.code).toBe(code);
  return result.error.message;
}

/**
 * Applies an event the way the desk does: the state has been written to SQLite as
 * JSON and read back. Asserts that resuming the JSON copy asks for the same thing,
 * and that the event gives the same result on the copy as on the original.
 */
export function send(
  library: readonly WizardDefinition[],
  current: { state: RunState; need: Need },
  event: RunEvent,
): { state: RunState; need: Need } {
  const stored: RunState = JSON.parse(JSON.stringify(current.state));
  expect(stored).toStrictEqual(current.state);
  const catalog = demoPublishedCatalog();
  const resumed = expectOk(resumeRun(library, stored, catalog));
  expect(resumed.need).toStrictEqual(current.need);
  const fromStored = applyEvent(library, stored, event, catalog);
  const fromOriginal = applyEvent(library, current.state, event, catalog);
  expect(fromStored).toStrictEqual(fromOriginal);
  return expectOk(fromStored);
}

/** A clock for events: seconds after 09:00 on a fixed day. */
export function at(seconds: number): string {
  return new Date(Date.parse('2026-01-05T09:00:00Z') + seconds * 1000).toISOString();
}

/** The line and column of `needle` in a source (1-based), to check where a lint issue points. */
export function positionOf(source: string, needle: string, from = 0): { line: number; column: number } {
  const offset = source.indexOf(needle, from);
  if (offset < 0) throw new Error(`"${needle}" is not in the source`);
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
