import { Empty, Result, Skeleton, Tag } from 'antd';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiFailure } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n, type MessageKey } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';

export type ProcessKind = components['schemas']['ProcessSummaryDto']['kind'];
export type StuckCause = components['schemas']['StuckCauseDto']['cause'];

export const OPS_ROLE = 'ops';

export const PROCESS_KINDS: readonly ProcessKind[] = ['cycle', 'contract', 'case'];
const KIND_LABELS: Record<ProcessKind, MessageKey> = { cycle: 'ops.kind.cycle', contract: 'ops.kind.contract', case: 'ops.kind.case' };

export const STUCK_CAUSES: readonly StuckCause[] = ['activityFailing', 'workflowTaskFailing', 'taskQueueUnpolled', 'readModelBehind', 'calendarMissing', 'idle'];
const CAUSE_LABELS: Record<StuckCause, MessageKey> = {
  activityFailing: 'ops.cause.activityFailing',
  workflowTaskFailing: 'ops.cause.workflowTaskFailing',
  taskQueueUnpolled: 'ops.cause.taskQueueUnpolled',
  readModelBehind: 'ops.cause.readModelBehind',
  calendarMissing: 'ops.cause.calendarMissing',
  idle: 'ops.cause.idle',
};

export function useOpsLabels() {
  const { t } = useI18n();
  return {
    kind: (kind: ProcessKind) => t(KIND_LABELS[kind]),
    cause: (cause: StuckCause) => t(CAUSE_LABELS[cause]),
  };
}

/** Statuses come from the read model as words (running, cancelled, …); the colour says whether it still runs. */
export function StatusTag({ status }: { status: string }) {
  // Ant's processing/success presets fall short of WCAG AA contrast; blue and red meet it.
  const color = status === 'running' || status === 'awarded' ? 'blue' : status === 'failed' || status === 'terminated' ? 'red' : undefined;
  return <Tag color={color}>{status}</Tag>;
}

/** Whether a process in this read-model status can still be repaired (cancelled, retried, …). */
export function isOpen(status: string): boolean {
  return status === 'running' || status === 'awarded';
}

/**
 * The ops pages are for the `ops` role: anyone else gets a sentence saying so instead of a page whose every
 * request the API would refuse (the API still judges each request).
 */
export function OpsOnly({ children }: { children: ReactNode }) {
  const { hasRole } = useSession();
  const { t } = useI18n();
  if (!hasRole(OPS_ROLE)) return <Result status="403" title={<h1 className="pf-result-title">{t('ops.forbidden.title')}</h1>} subTitle={t('ops.forbidden.detail')} />;
  return <>{children}</>;
}

/** A box of fixed height while a list loads, so the page does not jump when it arrives. */
export function Loading() {
  return (
    <div className="pf-ops-loading">
      <Skeleton active paragraph={{ rows: 6 }} />
    </div>
  );
}

export function EmptySentence({ sentence }: { sentence: string }) {
  return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={sentence} />;
}

/** A random request id, fresh for each intended action (a repeat of the same one has no second effect). */
export function newRequestId(): string {
  return crypto.randomUUID();
}

export interface Paged<T> {
  readonly items: readonly T[];
  readonly error: ApiFailure | undefined;
  readonly loading: boolean;
  readonly loadingMore: boolean;
  readonly hasMore: boolean;
  more(): void;
  reload(): void;
}

/**
 * A keyset-paged list: the first page whenever `key` changes, then each "more" appends the page after the
 * last one's `nextCursor`. Answers for an older key are dropped.
 */
export function usePaged<T>(load: (cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor: string | null }>, key: string): Paged<T> {
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure>();
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const fail = (failure: unknown) => setError(failure instanceof ApiFailure ? failure : new ApiFailure(0, undefined));

  useEffect(() => {
    const request = ++latest.current;
    setLoading(true);
    loadRef.current(undefined).then(
      (page) => {
        if (request !== latest.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (request !== latest.current) return;
        fail(failure);
        setLoading(false);
      },
    );
  }, [key, generation]);

  const more = useCallback(() => {
    if (!cursor) return;
    const request = latest.current;
    setLoadingMore(true);
    loadRef.current(cursor).then(
      (page) => {
        if (request !== latest.current) return;
        setItems((before) => [...before, ...page.items]);
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (failure: unknown) => {
        if (request !== latest.current) return;
        fail(failure);
        setLoadingMore(false);
      },
    );
  }, [cursor]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { items, error, loading, loadingMore, hasMore: cursor !== null, more, reload };
}

/** The list's error, its loading box, its empty sentence, or the list itself. */
export function ListState<T>({ paged, empty, children }: { paged: Paged<T>; empty: string; children: ReactNode }) {
  if (paged.error && paged.items.length === 0) return <ErrorNotice error={paged.error} onRetry={paged.reload} />;
  if (paged.loading && paged.items.length === 0) return <Loading />;
  if (paged.items.length === 0) return <EmptySentence sentence={empty} />;
  return (
    <>
      {paged.error && <ErrorNotice error={paged.error} onRetry={paged.reload} />}
      {children}
    </>
  );
}
