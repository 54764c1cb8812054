import { Button, Empty, Select, Space, Table, Tag, Typography } from 'antd';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n, type MessageKey } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { COLOURS, REGISTRAR_ROLE, STATE_COLOURS, type Vendor } from './requirements.js';

type Status = Vendor['verificationStatus'];
const STATUSES: readonly Status[] = ['pending', 'verified', 'rejected'] satisfies Status[];
const PAGE_SIZE = 20;

/** A vendor's summary status: verification, and suspended in red when it is. */
export function VendorStatusTags({ vendor }: { vendor: Vendor }) {
  const { t } = useI18n();
  return (
    <Space size={4} wrap>
      <Tag variant="solid" color={STATE_COLOURS[vendor.verificationStatus]}>{t(`status.${vendor.verificationStatus}` as MessageKey)}</Tag>
      {vendor.suspended && <Tag variant="solid" color={COLOURS.bad}>{t('vendors.suspended')}</Tag>}
    </Space>
  );
}

/** The registry of the user's jurisdiction (and national vendors), by name, from GET /vendors. */
export function VendorsPage() {
  const { t, dateTime, number } = useI18n();
  const { hasRole } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status'));
  const suspendedParam = params.get('suspended');
  const suspended = suspendedParam === 'true' ? true : suspendedParam === 'false' ? false : undefined;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const list = useApi(
    () =>
      unwrap(
        api.GET('/vendors', {
          params: { query: { ...(status ? { status } : {}), ...(suspended !== undefined ? { suspended } : {}), limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } },
        }),
      ),
    [status, suspended, page],
  );
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== 'page') next.delete('page');
    setParams(next);
  };

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('vendors.title')}
      </Typography.Title>
      <Space wrap className="pf-toolbar">
        <Select
          aria-label={t('vendors.filterStatus')}
          className="pf-filter"
          value={status ?? ''}
          onChange={(value: string) => setFilter('status', value)}
          options={[{ value: '', label: t('vendors.allStatuses') }, ...STATUSES.map((s) => ({ value: s, label: t(`status.${s}` as MessageKey) }))]}
        />
        <Select
          aria-label={t('vendors.filterSuspended')}
          className="pf-filter"
          value={suspendedParam === 'true' || suspendedParam === 'false' ? suspendedParam : ''}
          onChange={(value: string) => setFilter('suspended', value)}
          options={[
            { value: '', label: t('vendors.allSuspension') },
            { value: 'true', label: t('vendors.onlySuspended') },
            { value: 'false', label: t('vendors.onlyActive') },
          ]}
        />
        {hasRole(REGISTRAR_ROLE) && (
          <Button type="primary" onClick={() => void navigate('/vendors/new')}>
            {t('vendors.register')}
          </Button>
        )}
      </Space>
      {list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {!list.error && (
        <Table<Vendor>
          className="pf-table"
          rowKey="id"
          loading={list.loading}
          dataSource={list.data?.vendors ?? []}
          scroll={{ x: 1000 }}
          locale={{ emptyText: list.loading ? ' ' : <Empty description={t('vendors.empty')} /> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (total) => t('vendors.total', { count: number(total) }),
            onChange: (next) => setFilter('page', next > 1 ? String(next) : ''),
          }}
          columns={[
            { title: t('vendors.name'), dataIndex: 'name', render: (name: string, vendor) => <Link to={`/vendors/${vendor.id}`}>{name}</Link> },
            { title: t('vendors.creditCode'), dataIndex: 'creditCode', render: (code: string) => <code>{code}</code> },
            { title: t('vendors.jurisdiction'), dataIndex: 'jurisdiction' },
            { title: t('vendors.registrationType'), dataIndex: 'registrationType', render: (type: string) => t(`registration.${type}` as MessageKey) },
            { title: t('vendors.status'), render: (_, vendor) => <VendorStatusTags vendor={vendor} /> },
            { title: t('vendors.registeredAt'), dataIndex: 'registeredAt', render: (at: string) => dateTime(at) },
          ]}
        />
      )}
    </>
  );
}
