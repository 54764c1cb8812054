/** How often a `--watch` view reads its list again. */
export const WATCH_INTERVAL_MS = 5_000;

/**
 * Runs `render` once, or with `watch` again every WATCH_INTERVAL_MS until the person presses Ctrl-C. On a
 * terminal a table is redrawn in place (the screen cleared first); JSON and piped output are appended, one
 * render after another, so a script reads every one. Ctrl-C lets a render in flight finish and ends the
 * command normally (exit 0): stopping a live view is how it is meant to end, not a failure. A second
 * Ctrl-C while that render finishes stops the process at once (Node's default). A failed read ends the
 * watch with its error.
 */
export async function renderOrWatch(watch: boolean, json: boolean, render: () => Promise<void>): Promise<void> {
  if (!watch) return render();
  const stop = new AbortController();
  const interrupted = () => stop.abort();
  process.once('SIGINT', interrupted);
  try {
    while (!stop.signal.aborted) {
      if (!json && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      await render();
      await pause(WATCH_INTERVAL_MS, stop.signal);
    }
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
