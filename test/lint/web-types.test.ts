import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The web compile (renderer/ and shared/, tsconfig.web.json) sees no Node
 * types: `types` names only vite/client, lint refuses the imports that would
 * pull @types/node in (better-sqlite3, pg, node:*), and a triple-slash
 * reference is refused too. The node compile is the control.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compiledFiles(project: string): string[] {
  return execFileSync(process.execPath, [tsc, '-p', project, '--listFilesOnly'], { cwd: root, encoding: 'utf8' }).split('\n');
}

describe('the web compile', () => {
  it('includes no Node, better-sqlite3 or pg types', () => {
    const leaked = compiledFiles('tsconfig.web.json').filter((file) =>
      /node_modules\/@types\/(node|better-sqlite3|pg)\//.test(file),
    );
    expect(leaked).toEqual([]);
  });

  it('(control) the node compile does include them', () => {
    expect(compiledFiles('tsconfig.node.json').some((file) => file.includes('node_modules/@types/node/'))).toBe(true);
  });
});
