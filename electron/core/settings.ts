import { UpdateChannelSchema } from '../../shared/ipc/update-views';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir } from '../db/private-files';
import { IdentityInfoSchema } from '../../shared/identity';

/**
 * Desk settings in `<dataDir>/settings.json`, readable only by the user. No
 * secret lives here (issue 14): tokens are in the secret store
 * (`electron/identity/secrets.ts`, the OS keychain). `token` and `demoToken`
 * are read only to move a file written by an older Lightkeeper into the store.
 */
const UserSchema = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string().nullable().default(null),
  roles: z.array(z.string()).default([]),
});
const SettingsSchema = z.object({
  backend: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('demo') }),
      z.object({
        mode: z.literal('remote'),
        url: z.string(),
        /** Legacy: a plaintext token written by an older Lightkeeper; moved to the secret store on start. */
        token: z.string().optional(),
        /** How this backend signs people in, as it last said (kept for starting offline). */
        identity: IdentityInfoSchema.nullable().default(null),
        /** Who was last signed in (not a secret: the name on the Sync page while offline). */
        user: UserSchema.nullable().default(null),
      }),
    ])
    .default({ mode: 'demo' }),
  /** Legacy: the demo backend's token in plaintext; moved to the secret store on start. */
  demoToken: z.string().optional(),
  /** How the desk shows things: times in the local zone or UTC (issue 14). */
  preferences: z.object({ timeZone: z.enum(['local', 'utc']).default('local') }).default({ timeZone: 'local' }),
  /** Which releases the app updates to (issue 14): stable, or betas too. */
  updateChannel: UpdateChannelSchema.default('stable'),
  /** The user accepted keeping secrets without a keyring (Linux `basic_text`). */
  acceptUnprotectedSecrets: z.boolean().default(false),
});
export type Settings = z.infer<typeof SettingsSchema>;
export type RemoteSettings = Extract<Settings['backend'], { mode: 'remote' }>;
export type KnownUser = z.infer<typeof UserSchema>;

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
export type SettingsStore = ReturnType<typeof createSettingsStore>;
