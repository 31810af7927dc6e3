import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The packaged app's Electron fuses are flipped by electron-builder (its
 * `electronFuses` option, applied with @electron/fuses after packing). The
 * Electron runtime cannot be downloaded here, so the settings are read back from
 * the packaging config the `dist` script uses.
 */
const config = parse(fs.readFileSync('electron-builder.yml', 'utf8')) as Record<string, unknown>;

describe('packaging', () => {
  it('flips the fuses: no RunAsNode, NODE_OPTIONS or --inspect; cookies encrypted; app only from a checked ASAR', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).not.toBe(false);
  });

  it('is what `npm run dist` packages with', () => {
    expect(fs.readFileSync('scripts/dist.mjs', 'utf8')).toContain("'--config', 'electron-builder.yml'");
  });

  it('writes update files for the stable and beta channels and takes the feed from LIGHTKEEPER_UPDATE_URL (#14)', () => {
    expect(config.generateUpdatesFilesForAllChannels).toBe(true);
    const dist = fs.readFileSync('scripts/dist.mjs', 'utf8');
    expect(dist).toContain('process.env.LIGHTKEEPER_UPDATE_URL');
    expect(dist).toContain("'-c.publish.provider=generic'");
    expect(dist).toContain("'--publish', 'never'");
  });
});
