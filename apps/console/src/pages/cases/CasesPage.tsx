import { Button, Empty, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { useLifecycle } from '../../api/definitions.js';
import { unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useListAddress } from '../../components/list-address.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { StatusTag } from '../cycles/shared.js';
import { VendorName } from '../vendors/VendorName.js';
import { caseLabel, StateName } from './shared.js';

const PAGE_SIZE = 20;

/**
 * The cases the user may see (the API keeps them to the jurisdiction, and vendor staff to their own
 * organisation's), newest first, by state and by whether a breach is waiting to be dealt with.
 */
export function CasesPage() {
  const i18n = useI18n();
  const { t, dateTime, number } = i18n;
  const { user } = useSession();
  const { get, page, set } = useListAddress();
  const state = get('state');
  const openBreach = get('openBreach');
  const lifecycles = useApi(() => unwrap(api.GET('/definitions', { params: { query: {} } })), []);
  const newest = (lifecycles.data?.definitions ?? []).find((definition) => definition.kind === 'SupervisionLifecycle');
  // The state filter offers the states of the newest lifecycle; a case on another lifecycle is still found by its state's id.
  const outline = useLifecycle(newest?.key, newest?.version);
  const cases = useApi(
    () =>
      unwrap(
        api.GET('/cases', {
          params: {
            query: {
              limit: PAGE_SIZE,
              offset: (page - 1) * PAGE_SIZE,
              ...(state ? { state } : {}),
              ...(openBreach === 'true' || openBreach === 'false' ? { openBreach: openBreach === 'true' } : {}),
              ...(user?.vendorId ? { vendorId: user.vendorId } : {}),
            },
          },
        }),
      ),
    [state, openBreach, page, user?.vendorId],
  );

  return (
    <>
      <Space className="pf-toolbar" wrap align="center" style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={1} className="pf-page-title">
          {t('cases.title')}
        </Typography.Title>
        {user && !user.vendorId && (
          <Link to="/cases/new">
            <Button type="primary" tabIndex={-1}>
              {t('cases.enrol')}
            </Button>
          </Link>
        )}
      </Space>
      <Space wrap className="pf-toolbar">
        <Select
          aria-label={t('cases.filterState')}
          className="pf-filter"
          value={state ?? ''}
          onChange={(value: string) => set('state', value || undefined)}
          options={[
            { value: '', label: `${t('cases.filterState')}: ${t('cases.any')}` },
            ...(outline.data?.states ?? []).map((s) => ({ value: s.id, label: `${t('cases.filterState')}: ${i18n.text(s.title) || s.id}` })),
          ]}
        />
        <Select
          aria-label={t('cases.filterBreach')}
          className="pf-filter"
          value={openBreach ?? ''}
          onChange={(value: string) => set('openBreach', value || undefined)}
          options={[
            { value: '', label: `${t('cases.filterBreach')}: ${t('cases.any')}` },
            { value: 'true', label: `${t('cases.filterBreach')}: ${t('cases.breachOpen')}` },
            { value: 'false', label: `${t('cases.filterBreach')}: ${t('cases.breachNone')}` },
          ]}
        />
      </Space>
      {cases.error && <ErrorNotice error={cases.error} onRetry={cases.reload} />}
      {cases.loading && !cases.data ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : (
        <Table
          className="pf-table"
          rowKey="id"
          loading={cases.loading}
          dataSource={cases.data?.cases ?? []}
          locale={{ emptyText: <Empty description={t('cases.empty')} /> }}
          scroll={{ x: 900 }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: cases.data?.total ?? 0, showSizeChanger: false, onChange: (next) => set('page', String(next)) }}
          columns={[
            { title: t('cases.col.case'), key: 'case', render: (_, found) => <Link to={`/cases/${encodeURIComponent(found.id)}`}>{caseLabel(found.id)}</Link> },
            { title: t('cases.col.state'), key: 'state', render: (_, found) => <StateName lifecycle={{ key: found.lifecycleKey, version: found.lifecycleVersion }} state={found.state} /> },
            { title: t('cases.col.status'), key: 'status', render: (_, found) => <StatusTag status={found.status} label={t(`caseStatus.${found.status}` as const)} /> },
            {
              title: t('cases.col.breaches'),
              key: 'breaches',
              align: 'right',
              render: (_, found) => (found.openBreaches > 0 ? <Tag color="error">{number(found.openBreaches)}</Tag> : number(0)),
            },
            { title: t('cases.col.vendor'), key: 'vendor', render: (_, found) => (found.vendorId ? <VendorName id={found.vendorId} /> : t('cases.noVendor')) },
            { title: t('cases.col.lifecycle'), key: 'lifecycle', render: (_, found) => `${found.lifecycleKey} v${found.lifecycleVersion}` },
            { title: t('cases.col.enrolledAt'), key: 'enrolledAt', render: (_, found) => dateTime(found.enrolledAt) },
          ]}
        />
      )}
    </>
  );
}

