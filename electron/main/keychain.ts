import type { SafeStorage } from 'electron';
import type { SecretCipher } from '../identity/secrets';

const LINUX_KEYRINGS: Record<string, string> = {
  gnome_libsecret: 'the GNOME keyring (libsecret)',
  kwallet: 'KWallet',
  kwallet5: 'KWallet 5',
  kwallet6: 'KWallet 6',
};

/**
 * Electron's safeStorage as the desk core's {@link SecretCipher}. On Linux it
 * says whether a real keyring backs it: `basic_text` (no keyring running) is a
 * fixed key, so the secret store refuses it until the user accepts that. Null
 * when safeStorage cannot encrypt at all (then secrets stay in memory).
 */
export function safeStorageCipher(
  safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>,
  platform: NodeJS.Platform,
): SecretCipher | null {
  const keychain =
    platform === 'darwin'
      ? 'the macOS Keychain'
      : platform === 'win32'
        ? 'Windows (DPAPI, your Windows account)'
        : (LINUX_KEYRINGS[safeStorage.getSelectedStorageBackend()] ?? 'no keyring (plaintext fallback)');
  const isProtected = platform !== 'linux' || safeStorage.getSelectedStorageBackend() in LINUX_KEYRINGS;
  if (!safeStorage.isEncryptionAvailable()) {
    return {
      keychain: 'nothing (the OS keychain is not available)',
      isProtected: false,
      canEncrypt: false,
      encrypt: () => {
        throw new Error('the OS keychain is not available');
      },
      decrypt: () => {
        throw new Error('the OS keychain is not available');
      },
    };
  }
  return {
    keychain,
    isProtected,
    canEncrypt: true,
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (encrypted) => safeStorage.decryptString(encrypted),
  };
}
