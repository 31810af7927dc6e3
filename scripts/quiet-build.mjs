// The build `npm start` and `npm run start:browser` run before launching (issue 15, item 15): its log is kept
// back and shown only when it fails, so a good start prints just the line that matters.
import { spawnSync } from 'node:child_process';

/**
 * Builds main, preload and renderer, then the demo backend's prepared database (scripts/pglite-template.ts,
 * once per PGlite version; #15 item 2); on failure prints the build's whole output and returns false.
 */
export function quietBuild() {
  const build = spawnSync('npx', ['electron-vite', 'build'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (build.status === 0) {
    // Without the template the demo backend still starts, only slower: not a reason to stop.
    const template = spawnSync('npx', ['tsx', 'scripts/pglite-template.ts'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (template.status !== 0)
      process.stderr.write(`${template.stderr ?? ''}The demo backend will prepare its database on first start.\n`);
    return true;
  }
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  console.error(
    build.error ? `The build could not run: ${build.error.message}` : 'The build failed (see above). Fix it, then start again.',
  );
  return false;
}
