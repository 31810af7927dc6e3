import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir } from '../db/private-files';

/**
 * Desk settings in `<dataDir>/settings.json`, readable only by the user (it holds
 * the backend token). The token is read here and handed to the backend client;
 * it never goes to the renderer or into logs.
 */
const SettingsSchema = z.object({
  backend: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('demo') }),
      z.object({ mode: z.literal('remote'), url: z.string(), token: z.string() }),
    ])
    .default({ mode: 'demo' }),
  /** The token the desk gives its own demo backend; generated once. */
  demoToken: z.string().optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** Reads and writes the settings file atomically (write to a temp file, then rename). */
export function createSettingsStore(dataDir: string) {
  const file = path.join(dataDir, 'settings.json');
  return {
    file,
    read(): Settings {
      try {
        return SettingsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
      } catch {
        // Missing or unreadable settings fall back to the demo backend; the file is rewritten on the next change.
        return SettingsSchema.parse({});
      }
    },
    write(settings: Settings): void {
      ensurePrivateDir(dataDir);
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify(settings, null, 2), { mode: 0o600 });
      fs.renameSync(temp, file);
    },
  };
}
