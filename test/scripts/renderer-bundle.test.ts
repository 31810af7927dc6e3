import { build, type InlineConfig, type Rolldown } from 'vite';
import { describe, expect, it } from 'vitest';
import config from '../../electron.vite.config';

/**
 * Size budget of the renderer (#15, item 16): pages are lazy chunks, so the
 * first screen loads the frame and the fleet, not every page. This builds the
 * renderer exactly as `electron-vite build` does (its config, minified), in
 * memory, and fails when the entry chunk or the first screen grows past its
 * budget, or when a page is pulled back into the first screen by a static import.
 *
 * Measured when the split landed (2026-12-04, vite 8.3.8): one chunk of 736 kB
 * before; after, the entry chunk 240 kB and the first screen (entry + the
 * chunks it imports + the fleet page's) 405 kB. The budgets leave ~7% room.
 *
 * zod (110 kB of that first screen) came in through value lists and helpers the
 * page imported from schema modules (HEALTH_STATES from shared/domain, MAX_PAGE
 * from shared/ipc/views, stepEdges from shared/wizards/format); the page never
 * validates contract answers (the desk core is the authority). Those now live
 * in zod-free modules (shared/domain-values, shared/ipc/limits,
 * shared/wizards/graph): first screen 297 kB (2026-12-04), budget ~7% above.
 */
const ENTRY_BUDGET = 256_000;
const FIRST_SCREEN_BUDGET = 318_000;

/** Pages that must never be in the first screen's chunks (the fleet page is the first screen). */
const LAZY_PAGES = [
  'features/customer/CustomerPage.tsx',
  'features/runs/RunPage.tsx',
  'features/wizards/WizardsPage.tsx',
  'features/sync/SyncView.tsx',
  'features/follow-ups/FollowUpsView.tsx',
  'features/releases/ReleasesView.tsx',
  'features/problems/ProblemsView.tsx',
  'features/insights/InsightsView.tsx',
  'features/approvals/ApprovalsView.tsx',
  'features/about/AboutView.tsx',
  'features/palette/CommandPalette.tsx',
  'components/ShortcutSheet.tsx',
];

type Chunk = Rolldown.OutputChunk;

async function buildRenderer(): Promise<Chunk[]> {
  const renderer = config.renderer as InlineConfig;
  // Vitest sets NODE_ENV=test, which would bundle React's development build; measure what ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  const output = await build({
    mode: 'production',
    ...renderer,
    configFile: false,
    logLevel: 'silent',
    build: { ...renderer.build, write: false },
  }).finally(() => {
    process.env.NODE_ENV = nodeEnv;
  });
  const outputs = Array.isArray(output) ? output : [output];
  return outputs.flatMap((result) =>
    'output' in result ? result.output.filter((item): item is Chunk => item.type === 'chunk') : [],
  );
}

/** A chunk and every chunk it imports statically (what the browser must fetch before it runs). */
function closure(chunks: readonly Chunk[], roots: readonly Chunk[]): Chunk[] {
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const seen = new Map<string, Chunk>();
  const visit = (chunk: Chunk) => {
    if (seen.has(chunk.fileName)) return;
    seen.set(chunk.fileName, chunk);
    for (const name of chunk.imports) {
      const imported = byName.get(name);
      if (imported) visit(imported);
    }
  };
  roots.forEach(visit);
  return [...seen.values()];
}

const sizeOf = (chunks: readonly Chunk[]) => chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk.code), 0);
const modulesOf = (chunks: readonly Chunk[]) => chunks.flatMap((chunk) => Object.keys(chunk.modules));

describe('renderer bundle budget (#15, item 16)', () => {
  it('keeps the entry chunk and the first screen within budget, with every other page in a chunk of its own', async () => {
    const chunks = await buildRenderer();
    const entries = chunks.filter((chunk) => chunk.isEntry);
    expect(entries).toHaveLength(1);
    const entry = entries[0] as Chunk;
    const fleet = chunks.find((chunk) => chunk.facadeModuleId?.endsWith('features/fleet/FleetView.tsx'));
    expect(fleet?.isDynamicEntry, 'the fleet page is a lazy chunk').toBe(true);
    const firstScreen = closure(chunks, [entry, fleet as Chunk]);

    const report = `entry ${Buffer.byteLength(entry.code)} B (budget ${ENTRY_BUDGET}), first screen ${sizeOf(firstScreen)} B (budget ${FIRST_SCREEN_BUDGET}) in ${firstScreen.length} chunks`;
    expect(Buffer.byteLength(entry.code), report).toBeLessThanOrEqual(ENTRY_BUDGET);
    expect(sizeOf(firstScreen), report).toBeLessThanOrEqual(FIRST_SCREEN_BUDGET);

    const firstScreenModules = modulesOf(firstScreen);
    for (const page of LAZY_PAGES) {
      expect(
        firstScreenModules.filter((id) => id.endsWith(`renderer/src/${page}`)),
        `${page} is loaded by the first screen`,
      ).toEqual([]);
      const own = chunks.find((chunk) => chunk.facadeModuleId?.endsWith(`renderer/src/${page}`));
      expect(own?.isDynamicEntry, `${page} is a lazy chunk`).toBe(true);
    }
    // Markdown rendering (the largest library after React) is only for pages that show markdown.
    expect(firstScreenModules.filter((id) => id.includes('/node_modules/react-markdown/'))).toEqual([]);
    // zod loads with the pages whose modules need schemas, never with the first screen.
    expect(firstScreenModules.filter((id) => id.includes('/node_modules/zod/'))).toEqual([]);
  }, 180_000);
});
