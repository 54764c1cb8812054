import { Button, Empty, Select, Skeleton, Space, Table, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { paths } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useListAddress } from '../../components/list-address.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { ADMINISTRATOR_ROLE, CYCLE_STATUSES, StatusTag, StepName } from './shared.js';

type CycleStatus = NonNullable<NonNullable<paths['/cycles']['get']['parameters']['query']>['status']>;
const PAGE_SIZE = 20;

/** The cycles the user may see (the API filters by jurisdiction and role), filtered by status and procedure. */
export function CyclesPage() {
  const i18n = useI18n();
  const { t, text, dateTime } = i18n;
  const { hasRole } = useSession();
  const address = useListAddress();
  const status = address.get('status') as CycleStatus | undefined;
  const definitionKey = address.get('definition');
  const { page, set } = address;
  const definitions = useApi(() => unwrap(api.GET('/definitions', { params: { query: {} } })), []);
  const cycles = useApi(
    () =>
      unwrap(
        api.GET('/cycles', {
          params: { query: { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(status ? { status } : {}), ...(definitionKey ? { definitionKey } : {}) } },
        }),
      ),
    [status, definitionKey, page],
  );
  const procedures = (definitions.data?.definitions ?? []).filter((d) => d.kind === 'Procedure');

  return (
    <>
      <Space className="pf-toolbar" wrap align="center" style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={1} className="pf-page-title">
          {t('cycles.title')}
        </Typography.Title>
        {hasRole(ADMINISTRATOR_ROLE) && (
          <Link to="/cycles/new">
            <Button type="primary" tabIndex={-1}>
              {t('cycles.launch')}
            </Button>
          </Link>
        )}
      </Space>
      <Space wrap className="pf-toolbar">
        <Select
          aria-label={t('cycles.filterStatus')}
          className="pf-filter"
          value={status ?? ''}
          onChange={(value: string) => set('status', value || undefined)}
          options={[{ value: '', label: `${t('cycles.filterStatus')}: ${t('cycles.any')}` }, ...CYCLE_STATUSES.map((s) => ({ value: s, label: s }))]}
        />
        <Select
          aria-label={t('cycles.filterDefinition')}
          className="pf-filter"
          style={{ minWidth: 260 }}
          value={definitionKey ?? ''}
          onChange={(value: string) => set('definition', value || undefined)}
          options={[{ value: '', label: `${t('cycles.filterDefinition')}: ${t('cycles.any')}` }, ...procedures.map((d) => ({ value: d.key, label: text(d.title) }))]}
        />
      </Space>
      {cycles.error && <ErrorNotice error={cycles.error} onRetry={cycles.reload} />}
      {cycles.loading && !cycles.data ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : (
        <Table
          className="pf-table"
          rowKey="id"
          loading={cycles.loading}
          dataSource={cycles.data?.cycles ?? []}
          locale={{ emptyText: <Empty description={t('cycles.empty')} /> }}
          scroll={{ x: 900 }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: cycles.data?.total ?? 0, showSizeChanger: false, onChange: (next) => set('page', String(next)) }}
          columns={[
            { title: t('cycles.col.title'), key: 'title', render: (_, cycle) => <Link to={`/cycles/${encodeURIComponent(cycle.id)}`}>{text(cycle.title)}</Link> },
            { title: t('cycles.col.jurisdiction'), dataIndex: 'jurisdiction' },
            { title: t('cycles.col.status'), key: 'status', render: (_, cycle) => <StatusTag status={cycle.status} /> },
            { title: t('cycles.col.step'), key: 'step', render: (_, cycle) => (cycle.currentStep ? <StepName definition={cycle.definition} stepId={cycle.currentStep} /> : '—') },
            { title: t('cycles.col.openTasks'), dataIndex: 'openTasks', align: 'right' },
            { title: t('cycles.col.launchedAt'), key: 'launchedAt', render: (_, cycle) => dateTime(cycle.launchedAt) },
          ]}
        />
      )}
    </>
  );
}
