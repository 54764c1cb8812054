import { Button, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useReturnFocus } from '../../components/return-focus.js';
import { useI18n } from '../../i18n/index.js';
import { BulkModal, bulkFilterOf } from './BulkModal.js';
import { FilterBar, useFilters } from './filters.js';
import { ListState, OpsOnly, PROCESS_KINDS, StatusTag, usePaged, useOpsLabels, type ProcessKind } from './shared.js';

type ProcessSummary = components['schemas']['ProcessSummaryDto'];

const FILTERS = ['kind', 'jurisdiction', 'definition', 'step', 'status', 'role', 'overdueFor', 'olderThan'] as const;

/** Cycles, contracts and cases in one list, newest first, keyset-paged; a bulk action starts from its filters. */
function OpsProcesses() {
  const { t, number, dateTime } = useI18n();
  const labels = useOpsLabels();
  const { values, key } = useFilters(FILTERS);
  const [bulkOpen, setBulkOpen] = useState(false);
  const openingBulk = useReturnFocus(bulkOpen);
  const paged = usePaged<ProcessSummary>(async (cursor) => {
    const page = await unwrap(
      api.GET('/ops/processes', {
        params: {
          query: {
            kind: values['kind'] as ProcessKind | undefined,
            jurisdiction: values['jurisdiction'],
            definition: values['definition'],
            step: values['step'],
            status: values['status'],
            role: values['role'],
            overdueFor: values['overdueFor'],
            olderThan: values['olderThan'],
            cursor,
          },
        },
      }),
    );
    return { items: page.processes, nextCursor: page.nextCursor };
  }, key);

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('ops.processes.title')}
      </Typography.Title>
      <FilterBar
        fields={[
          { name: 'kind', label: 'ops.field.kind', options: PROCESS_KINDS.map((kind) => ({ value: kind, label: labels.kind(kind) })) },
          { name: 'jurisdiction', label: 'ops.field.jurisdiction' },
          { name: 'definition', label: 'ops.field.definition' },
          { name: 'step', label: 'ops.field.step' },
          { name: 'status', label: 'ops.field.status' },
          { name: 'role', label: 'ops.field.role' },
          { name: 'overdueFor', label: 'ops.field.overdueFor' },
          { name: 'olderThan', label: 'ops.field.olderThan' },
        ]}
      />
      <Space className="pf-section">
        <Button danger onClick={() => (openingBulk(), setBulkOpen(true))}>
          {t('ops.processes.bulk')}
        </Button>
      </Space>
      <div className="pf-section">
        <ListState paged={paged} empty={t('ops.processes.empty')}>
          <Table<ProcessSummary>
            rowKey="workflowId"
            size="small"
            pagination={false}
            scroll={{ x: 1000 }}
            dataSource={[...paged.items]}
            columns={[
              { title: t('ops.field.process'), key: 'id', render: (_, process) => <Link to={`/ops/processes/${encodeURIComponent(process.workflowId)}`}>{process.workflowId}</Link> },
              { title: t('ops.field.kind'), key: 'kind', render: (_, process) => labels.kind(process.kind) },
              { title: t('ops.field.jurisdiction'), dataIndex: 'jurisdiction' },
              { title: t('ops.field.definition'), key: 'definition', render: (_, process) => `${process.definitionKey} v${process.definitionVersion}` },
              { title: t('ops.field.step'), key: 'step', render: (_, process) => process.step ?? '—' },
              { title: t('ops.field.status'), key: 'status', render: (_, process) => <StatusTag status={process.status} /> },
              { title: t('ops.field.startedAt'), key: 'startedAt', render: (_, process) => dateTime(process.startedAt) },
              { title: t('ops.field.nextDueAt'), key: 'nextDueAt', render: (_, process) => (process.nextDueAt ? dateTime(process.nextDueAt) : '—') },
              { title: t('ops.field.openTasks'), key: 'openTasks', align: 'right', render: (_, process) => number(process.openTasks) },
            ]}
          />
        </ListState>
        {paged.hasMore && (
          <Button className="pf-section" onClick={paged.more} loading={paged.loadingMore}>
            {t('ops.more')}
          </Button>
        )}
      </div>
      {bulkOpen && (
        <BulkModal
          filter={bulkFilterOf(values)}
          ignoresListFilters={values['role'] !== undefined || values['overdueFor'] !== undefined}
          close={(done) => {
            setBulkOpen(false);
            if (done) paged.reload();
          }}
        />
      )}
    </>
  );
}

export function OpsProcessesPage() {
  return (
    <OpsOnly>
      <OpsProcesses />
    </OpsOnly>
  );
}
