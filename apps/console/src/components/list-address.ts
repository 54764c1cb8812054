import { useSearchParams } from 'react-router-dom';

export interface ListAddress {
  /** A filter's value in the address, or undefined when it is not set. */
  get(name: string): string | undefined;
  /** The page asked for, from 1. */
  readonly page: number;
  /** Sets (or, with undefined, clears) a filter; any change but the page itself goes back to page 1. */
  set(name: string, value: string | undefined): void;
}

/**
 * A list's filters and page live in the address (`?status=running&page=2`), so a filtered list can be
 * reloaded, bookmarked and shared, and the browser's back button undoes a filter.
 */
export function useListAddress(): ListAddress {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Math.floor(Number(params.get('page') ?? '1')) || 1);
  return {
    get: (name) => params.get(name) || undefined,
    page,
    set: (name, value) => {
      const next = new URLSearchParams(params);
      if (value) next.set(name, value);
      else next.delete(name);
      if (name !== 'page') next.delete('page');
      setParams(next);
    },
  };
}
