import { useRef, useState } from 'react';
import { ApiFailure } from './errors.js';

/** Whether an answer is worth sending again with the same request id: nothing came back, or the workflow did not answer in time. */
export const unanswered = (failure: ApiFailure): boolean => failure.status === 0 || failure.status === 503 || failure.status === 504;

export interface Once<T> {
  readonly busy: boolean;
  /** Why the last attempt failed; cleared when the next one starts. */
  readonly failure: ApiFailure | undefined;
  /**
   * Sends `request` with a request id, unless an attempt is in flight (a double click is one action).
   * After an answer that never came, the next attempt reuses the id, so the API applies the action once
   * however often it is tried; after any other answer, the next attempt is a new action with a new id.
   * Resolves to the answer, or to undefined when the attempt failed (see `failure`).
   */
  send(request: (requestId: string) => Promise<T>): Promise<T | undefined>;
  /**
   * Forgets the last attempt: its failure, and the request id a retry would reuse. Called whenever what is
   * being sent changes, since a changed action sent with the old id is the old action to the API (the
   * workflow refuses it as a conflict; an enrolment answers the first case, with its old attributes).
   */
  clear(): void;
}

/** One user action sent to the API exactly once, with its busy state and its failure, for the forms that change something. */
export function useOnce<T>(): Once<T> {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure>();
  const inFlight = useRef(false);
  const retryId = useRef<string | undefined>(undefined);
  // Counts clear()s, so an attempt whose answer was lost keeps its id for a retry only if nothing changed meanwhile.
  const edits = useRef(0);
  return {
    busy,
    failure,
    clear: () => {
      edits.current += 1;
      retryId.current = undefined;
      setFailure(undefined);
    },
    send: async (request) => {
      if (inFlight.current) return undefined;
      inFlight.current = true;
      const requestId = retryId.current ?? crypto.randomUUID();
      const editsAtStart = edits.current;
      setBusy(true);
      setFailure(undefined);
      try {
        const answer = await request(requestId);
        retryId.current = undefined;
        return answer;
      } catch (error) {
        const refused = error instanceof ApiFailure ? error : new ApiFailure(0, undefined);
        retryId.current = unanswered(refused) && edits.current === editsAtStart ? requestId : undefined;
        setFailure(refused);
        return undefined;
      } finally {
        inFlight.current = false;
        setBusy(false);
      }
    },
  };
}
