/** How often `--watch` reads again. */
export const WATCH_INTERVAL_MS = 5_000;

/** The `--watch` option's help, the same on every ops list. */
export const WATCH_HELP = `show again every ${WATCH_INTERVAL_MS / 1000} seconds until Ctrl-C`;

/**
 * Runs `show` once, or with `watch` now and again every few seconds until Ctrl-C, which ends the watch
 * after the read in progress. On a terminal a person's table is redrawn in place; JSON, and output to a
 * pipe, get one rendering after another. A failed read ends the watch with its error.
 */
export async function showOrWatch(options: { readonly watch?: boolean; readonly json: boolean }, show: () => Promise<void>): Promise<void> {
  if (!options.watch) return show();
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  while (!stop.signal.aborted) {
    if (!options.json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    await show();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, WATCH_INTERVAL_MS);
      function done(): void {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', done);
        resolve();
      }
      stop.signal.addEventListener('abort', done);
    });
  }
}
