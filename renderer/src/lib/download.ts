/** Saves text as a file through the browser's download (the desktop shell shows its save dialog). */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started; the object URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
