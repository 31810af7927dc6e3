import { isAppUrl } from './security';

/** The part of an IPC event we look at. */
type SenderEvent = { senderFrame?: { url: string; parent: unknown } | null; sender?: { id: number } };

/**
 * An IPC call is trusted only from the main frame of our own window, showing our
 * own page. Subframes, other windows and navigated-away pages are refused.
 */
export function createSenderCheck(getWindowWebContentsId: () => number | null, appOrigin: string) {
  return (event: unknown): boolean => {
    const { senderFrame, sender } = (event ?? {}) as SenderEvent;
    if (!senderFrame || senderFrame.parent !== null) return false;
    if (!sender || sender.id !== getWindowWebContentsId()) return false;
    return isAppUrl(senderFrame.url, appOrigin);
  };
}
