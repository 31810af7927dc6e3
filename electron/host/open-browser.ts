import { spawn } from 'node:child_process';

/**
 * Opens a URL in the system browser from browser mode (the identity provider's
 * sign-in page): `open` on macOS, the URL protocol handler on Windows (no shell parses the URL), `xdg-open` elsewhere. The
 * URL is also printed, for a machine without a desktop opener.
 */
export function openInSystemBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  process.stdout.write(`Sign in at: ${url}\n`);
  const [command, args] =
    platform === 'darwin'
      ? ['open', [url]]
      : platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve());
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
