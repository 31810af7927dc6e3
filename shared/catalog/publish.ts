import type { z } from 'zod';
import type { ActionSpec, DiagnosticSpec } from '../wizards/catalog';
import { canonicalJson, sha256Hex } from '../wizards/hash';
import {
  confirmationOf,
  requiresApprovalOf,
  type CatalogDefinition,
  type PublishedAction,
  type PublishedCatalog,
  type PublishedProbe,
} from './format';
import { objectSchemaToZod } from './type-schema';

/**
 * The effective catalog as desks receive it: names, summaries, parameter and
 * result types, risks and confirmation rules — never a call, a mapping or a
 * secret reference (those stay on the server).
 */
export function publishCatalog(definition: CatalogDefinition, publishedAt: string): PublishedCatalog {
  const probes: PublishedProbe[] = Object.entries(definition.probes)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, probe]) => ({
      name,
      summary: probe.summary,
      ...(probe.description === undefined ? {} : { description: probe.description }),
      params: probe.params,
      result: probe.result,
      example: probe.example ?? null,
    }));
  const actions: PublishedAction[] = Object.entries(definition.actions)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, action]) => ({
      name,
      summary: action.summary,
      ...(action.description === undefined ? {} : { description: action.description }),
      risk: action.risk,
      version: action.version,
      params: action.params,
      result: action.result ?? null,
      confirmation: confirmationOf(action),
      requiresApproval: requiresApprovalOf(action),
    }));
  const content = { catalog: definition.catalog, probes, actions };
  return { ...content, hash: sha256Hex(canonicalJson(content)), publishedAt };
}

/** A catalog with no probes and no actions: what a server without a catalog file offers. */
export const EMPTY_CATALOG: PublishedCatalog = {
  catalog: 'none',
  hash: sha256Hex(canonicalJson({ catalog: 'none', probes: [], actions: [] })),
  publishedAt: '1970-01-01T00:00:00.000Z',
  probes: [],
  actions: [],
};

/** What the wizard linter and the engine need of a catalog: specs by name. */
export type WizardCatalogSpecs = {
  probes: ReadonlyMap<string, DiagnosticSpec>;
  actions: ReadonlyMap<string, ActionSpec & { result: z.ZodType | null }>;
};

const specCache = new WeakMap<PublishedCatalog, WizardCatalogSpecs>();

/** Zod specs for a published catalog (cached per catalog object). */
export function catalogSpecs(catalog: PublishedCatalog): WizardCatalogSpecs {
  const cached = specCache.get(catalog);
  if (cached) return cached;
  const specs: WizardCatalogSpecs = {
    probes: new Map(
      catalog.probes.map((probe) => [
        probe.name,
        {
          summary: probe.summary,
          params: objectSchemaToZod(probe.params, { isStrictByDefault: true }),
          result: objectSchemaToZod(probe.result, { isStrictByDefault: false }),
        },
      ]),
    ),
    actions: new Map(
      catalog.actions.map((action) => [
        action.name,
        {
          summary: action.summary,
          risk: action.risk,
          params: objectSchemaToZod(action.params, { isStrictByDefault: true }),
          result: action.result ? objectSchemaToZod(action.result, { isStrictByDefault: false }) : null,
        },
      ]),
    ),
  };
  specCache.set(catalog, specs);
  return specs;
}
