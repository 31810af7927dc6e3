// The build `npm start` and `npm run start:browser` run before launching (issue 15, item 15): its log is kept
// back and shown only when it fails, so a good start prints just the line that matters.
import { spawnSync } from 'node:child_process';

/** Builds main, preload and renderer; on failure prints the build's whole output and returns false. */
export function quietBuild() {
  const build = spawnSync('npx', ['electron-vite', 'build'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (build.status === 0) return true;
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  console.error(
    build.error ? `The build could not run: ${build.error.message}` : 'The build failed (see above). Fix it, then start again.',
  );
  return false;
}
