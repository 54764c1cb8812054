import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure } from './errors.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiFailure | undefined;
  readonly loading: boolean;
  /** Loads again (after a decision, a filter change the caller does not pass in `deps`, a retry button). */
  reload(): void;
}

/**
 * Runs `load` when the component mounts and whenever `deps` change, keeping the last answer while a new
 * one loads (no flash of empty content) and ignoring answers that arrive after a newer request began.
 */
export function useApi<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiFailure>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => {
    const request = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (request !== latest.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (request !== latest.current) return;
        setError(failure instanceof ApiFailure ? failure : new ApiFailure(0, undefined));
        setLoading(false);
      },
    );
    // `load` is a new closure on every render; the caller lists what it depends on in `deps`.
  }, [...deps, generation]);
  return { data, error, loading, reload };
}
