/**
 * Retries `probe` until it returns a value `accept` likes, for things that become true asynchronously
 * (a worker's first poll reaching the server). Fails with the last value seen, never on a clock reading.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, attempts = 100, pauseMs = 200): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`condition not reached after ${attempts} attempts; last value: ${JSON.stringify(last)}`);
}
