import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir } from '../db/private-files';

/**
 * Secrets of the desk (refresh tokens, static backend tokens, the demo backend's
 * token) in `<dataDir>/secrets.json`, each value encrypted by the OS keychain
 * (Electron's safeStorage, passed in as a {@link SecretCipher}: the desk core
 * never imports electron). Browser mode has no keychain and says so: its values
 * are kept in the same file, readable only by the user (0600 in a 0700 folder).
 *
 * On Linux without a keyring, safeStorage falls back to `basic_text`, a fixed key
 * that anyone who can read the file can undo. The store refuses to write secrets
 * with it unless the user accepted that in words; until then they live in memory
 * for this session only (sign-in lasts until Lightkeeper quits).
 */

/** The OS keychain, as the desktop shell offers it (safeStorage). */
export type SecretCipher = {
  /** Where the key lives, in words ("the macOS Keychain", "GNOME Keyring (libsecret)"). */
  keychain: string;
  /** False on Linux when safeStorage would use the `basic_text` fallback (no real keyring). */
  isProtected: boolean;
  /** False when the OS offers no encryption at all (then accepted secrets are written as they are). */
  canEncrypt: boolean;
  encrypt(plain: string): Buffer;
  decrypt(encrypted: Buffer): string;
};

/** What the renderer may know about where secrets are kept (never a secret). */
export type SecretsPlace = {
  /** `keychain`: encrypted by the OS keychain; `file`: a file only this user can read (browser mode, or accepted plaintext); `memory`: not kept after quitting. */
  kind: 'keychain' | 'file' | 'memory';
  /** One sentence for the Sync page. */
  description: string;
  /** True when the OS offers only its plaintext fallback and the user has not decided yet. */
  needsConsent: boolean;
};

const FileSchema = z.object({
  version: z.literal(1),
  /** How the values were written: `keychain` (safeStorage, base64) or `plain` (browser mode / accepted basic_text). */
  encoding: z.enum(['keychain', 'plain']),
  values: z.record(z.string(), z.string()),
});
type SecretsFile = z.infer<typeof FileSchema>;

export type SecretStore = {
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
  /** Removes every secret whose name starts with `prefix`. */
  deletePrefix(prefix: string): void;
  place(): SecretsPlace;
  /** The user accepted keeping secrets without the keychain's protection (Linux basic_text). */
  acceptUnprotected(): void;
  file: string;
};

export function createSecretStore(options: {
  dataDir: string;
  /** The OS keychain; null in browser mode. */
  cipher: SecretCipher | null;
  /** The user already accepted unprotected storage (a setting). */
  acceptedUnprotected?: boolean;
  onAcceptUnprotected?: () => void;
}): SecretStore {
  const file = path.join(options.dataDir, 'secrets.json');
  const memory = new Map<string, string>();
  let accepted = options.acceptedUnprotected ?? false;
  const { cipher } = options;

  /** How values are written now; null: not at all (memory only). */
  function encoding(): SecretsFile['encoding'] | null {
    if (!cipher) return 'plain';
    if (cipher.isProtected) return 'keychain';
    if (!accepted) return null;
    return cipher.canEncrypt ? 'keychain' : 'plain';
  }

  function readFile(): SecretsFile | null {
    try {
      return FileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      return null;
    }
  }

  function decode(stored: SecretsFile, raw: string): string | null {
    if (stored.encoding === 'plain') return raw;
    if (!cipher) return null;
    try {
      return cipher.decrypt(Buffer.from(raw, 'base64'));
    } catch {
      // Another keychain (another user or machine): the secret is gone; signing in again writes a new one.
      return null;
    }
  }

  function writeAll(values: Map<string, string>): void {
    const how = encoding();
    if (how === null) return;
    const out: SecretsFile = { version: 1, encoding: how, values: {} };
    for (const [name, value] of values) {
      out.values[name] = how === 'plain' || !cipher ? value : cipher.encrypt(value).toString('base64');
    }
    ensurePrivateDir(options.dataDir);
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(out), { mode: 0o600 });
    fs.renameSync(temp, file);
  }

  function all(): Map<string, string> {
    const values = new Map<string, string>();
    const stored = readFile();
    if (stored) {
      for (const [name, raw] of Object.entries(stored.values)) {
        const value = decode(stored, raw);
        if (value !== null) values.set(name, value);
      }
    }
    for (const [name, value] of memory) values.set(name, value);
    return values;
  }

  return {
    file,
    get: (name) => all().get(name) ?? null,
    set(name, value) {
      if (encoding() === null) {
        memory.set(name, value);
        return;
      }
      const values = all();
      values.set(name, value);
      writeAll(values);
    },
    delete(name) {
      memory.delete(name);
      const values = all();
      if (values.delete(name)) writeAll(values);
    },
    deletePrefix(prefix) {
      for (const name of [...memory.keys()]) if (name.startsWith(prefix)) memory.delete(name);
      const values = all();
      let changed = false;
      for (const name of [...values.keys()]) {
        if (name.startsWith(prefix)) changed = values.delete(name) || changed;
      }
      if (changed) writeAll(values);
    },
    place(): SecretsPlace {
      if (!cipher) {
        return {
          kind: 'file',
          description: `Browser mode cannot reach the OS keychain: sign-ins and tokens are kept in ${file}, readable only by your account. Use the desktop app to keep them in the keychain.`,
          needsConsent: false,
        };
      }
      if (cipher.isProtected) {
        return { kind: 'keychain', description: `Sign-ins and tokens are encrypted by ${cipher.keychain}.`, needsConsent: false };
      }
      if (accepted) {
        return {
          kind: 'file',
          description: `No keyring is running, and you chose to keep sign-ins and tokens anyway: ${file} is readable only by your account, but anyone who can read your files can use them.`,
          needsConsent: false,
        };
      }
      return {
        kind: 'memory',
        description:
          'No keyring is running (the system offers only its plaintext fallback), so sign-ins and tokens are kept in memory until Lightkeeper quits. Start a keyring (GNOME Keyring, KWallet) and restart, or keep them unprotected.',
        needsConsent: true,
      };
    },
    acceptUnprotected() {
      if (accepted) return;
      accepted = true;
      options.onAcceptUnprotected?.();
      const values = all();
      memory.clear();
      writeAll(values);
    },
  };
}
