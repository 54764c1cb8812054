import { Button, Empty, Select, Space, Table, Tag, Typography } from 'antd';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';

export type DefinitionSummary = components['schemas']['DefinitionSummaryDto'];
type Kind = DefinitionSummary['kind'];

/** The kinds the API names (its enum), so the filter offers exactly what it accepts. */
const KINDS: readonly Kind[] = ['Calendar', 'Procedure', 'SupervisionLifecycle'] satisfies Kind[];

/** Administrators deploy (and so validate); the API refuses anyone else with 403 anyway. */
export const DEPLOYER_ROLE = 'administrator';

/** Where a definition belongs: national (`cn`), a jurisdiction's code, or none (e.g. a holiday calendar). */
export function JurisdictionTag({ code }: { code: string | null }) {
  const { t } = useI18n();
  if (code === null) return <>{t('definitions.none')}</>;
  return <Tag>{code === 'cn' ? t('definitions.national') : code}</Tag>;
}

/** Every deployed definition, newest version of each key, from GET /definitions. */
export function DefinitionsPage() {
  const { t, text, dateTime, number } = useI18n();
  const { hasRole } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const kind = KINDS.find((k) => k === params.get('kind'));
  const list = useApi(() => unwrap(api.GET('/definitions', { params: { query: kind ? { kind } : {} } })), [kind]);

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('definitions.title')}
      </Typography.Title>
      <Space className="pf-toolbar" wrap>
        <Select
          aria-label={t('definitions.filterKind')}
          className="pf-filter"
          value={kind ?? ''}
          onChange={(value: string) => setParams(value ? { kind: value } : {})}
          options={[{ value: '', label: t('definitions.allKinds') }, ...KINDS.map((k) => ({ value: k, label: k }))]}
        />
        {hasRole(DEPLOYER_ROLE) && (
          <Button type="primary" onClick={() => void navigate('/definitions/editor')}>
            {t('definitions.openEditor')}
          </Button>
        )}
      </Space>
      {list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {!list.error && (
        <Table<DefinitionSummary>
          className="pf-table"
          rowKey="key"
          loading={list.loading}
          dataSource={list.data?.definitions ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: list.loading ? ' ' : <Empty description={t('definitions.empty')} /> }}
          columns={[
            { title: t('definitions.key'), dataIndex: 'key', render: (key: string) => <Link to={`/definitions/${encodeURIComponent(key)}`}>{key}</Link> },
            { title: t('definitions.kind'), dataIndex: 'kind', render: (value: Kind) => <Tag>{value}</Tag> },
            { title: t('definitions.titleColumn'), render: (_, row) => text(row.title) },
            { title: t('definitions.jurisdiction'), dataIndex: 'jurisdiction', render: (code: string | null) => <JurisdictionTag code={code} /> },
            { title: t('definitions.serviceType'), dataIndex: 'serviceType', render: (value: string | null) => value ?? t('definitions.none') },
            { title: t('definitions.latestVersion'), dataIndex: 'version', align: 'right', render: (value: number) => number(value) },
            { title: t('definitions.deployedAt'), dataIndex: 'deployedAt', render: (value: string) => dateTime(value) },
            { title: t('definitions.deployedBy'), dataIndex: 'deployedBy' },
          ]}
        />
      )}
    </>
  );
}
