import { Card, Descriptions, Empty, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n, type MessageKey } from '../../i18n/index.js';
import { JurisdictionTag } from './DefinitionsPage.js';
import { SourceView } from './SourceView.js';

type Change = components['schemas']['DefinitionChangeDto'];

/** Dark enough for white text to pass WCAG AA contrast. */
const CHANGE_COLOURS: Record<Change['kind'], string> = { added: '#237804', removed: '#a8071a', changed: '#0958d9' };

/** A value of the compiled definition as a reader can scan it: scalars as they are, structures as compact JSON. */
function shown(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function versionFrom(raw: string | null): number | undefined {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * One definition: its versions, one version's facts and YAML (read-only, with line numbers), and what
 * changed between two versions (GET /definitions/{key}/diff). The chosen versions live in the address,
 * so a diff can be linked to.
 */
export function DefinitionPage() {
  const { key = '' } = useParams();
  const { t, text, dateTime, number } = useI18n();
  const [params, setParams] = useSearchParams();
  const history = useApi(() => unwrap(api.GET('/definitions/{key}', { params: { path: { key } } })), [key]);
  const versions = history.data?.versions ?? [];
  const newest = versions[0]?.version;
  const chosen = versionFrom(params.get('version')) ?? newest;
  const diffTo = versionFrom(params.get('to')) ?? newest;
  const diffFrom = versionFrom(params.get('from')) ?? (newest !== undefined && newest > 1 ? versions[1]?.version : undefined);

  const version = useApi(
    () => (chosen === undefined ? Promise.resolve(undefined) : unwrap(api.GET('/definitions/{key}/versions/{version}', { params: { path: { key, version: chosen } } }))),
    [key, chosen],
  );
  const diff = useApi(
    () =>
      diffFrom === undefined || diffTo === undefined
        ? Promise.resolve(undefined)
        : unwrap(api.GET('/definitions/{key}/diff', { params: { path: { key }, query: { from: diffFrom, to: diffTo } } })),
    [key, diffFrom, diffTo],
  );

  const choose = (name: 'version' | 'from' | 'to', value: number) => {
    const next = new URLSearchParams(params);
    next.set(name, String(value));
    setParams(next, { replace: true });
  };
  const versionOptions = versions.map((v) => ({ value: v.version, label: t('definition.version', { version: v.version }) }));
  const shownVersion = version.data;

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {shownVersion ? `${text(shownVersion.title)} · ${key}` : key}
      </Typography.Title>
      {history.error && <ErrorNotice error={history.error} onRetry={history.reload} />}
      {!history.error && (
        <>
          <Card>
            <Space wrap>
              <Typography.Title level={2} className="pf-section-title pf-inline-title">
                {t('definition.versions')}
              </Typography.Title>
              <Select aria-label={t('definition.chooseVersion')} className="pf-filter" loading={history.loading} value={chosen} options={versionOptions} onChange={(value: number) => choose('version', value)} />
            </Space>
            {version.error && <ErrorNotice error={version.error} onRetry={version.reload} />}
            <div className="pf-facts">
              {shownVersion ? (
                <Descriptions size="small" column={{ xs: 1, md: 2 }} title={t('definition.facts')}>
                  <Descriptions.Item label={t('definitions.kind')}>
                    <Tag>{shownVersion.kind}</Tag>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('definitions.latestVersion')}>{number(newest ?? shownVersion.version)}</Descriptions.Item>
                  <Descriptions.Item label={t('definitions.jurisdiction')}>
                    <JurisdictionTag code={shownVersion.jurisdiction} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('definitions.serviceType')}>{shownVersion.serviceType ?? t('definitions.none')}</Descriptions.Item>
                  <Descriptions.Item label={t('definitions.deployedAt')}>{dateTime(shownVersion.deployedAt)}</Descriptions.Item>
                  <Descriptions.Item label={t('definitions.deployedBy')}>{shownVersion.deployedBy}</Descriptions.Item>
                  <Descriptions.Item label={t('definition.sourceFile')}>{shownVersion.sourceFile}</Descriptions.Item>
                  <Descriptions.Item label={t('definition.contentHash')}>
                    <code className="pf-hash">{shownVersion.contentHash}</code>
                  </Descriptions.Item>
                </Descriptions>
              ) : (
                <Skeleton active paragraph={{ rows: 4 }} />
              )}
            </div>
          </Card>

          <Card className="pf-section">
            <Typography.Title level={2} className="pf-section-title">
              {t('definition.source')}
            </Typography.Title>
            {shownVersion ? (
              <SourceView idPrefix="source" text={shownVersion.sourceText} label={t('definition.sourceLabel', { version: shownVersion.version })} />
            ) : (
              <div className="pf-src pf-src-loading">
                <Skeleton active paragraph={{ rows: 10 }} />
              </div>
            )}
          </Card>

          <Card className="pf-section">
            <Typography.Title level={2} className="pf-section-title">
              {t('definition.diff')}
            </Typography.Title>
            {versions.length === 1 && <Empty description={t('definition.diffOnlyOne')} />}
            {versions.length > 1 && (
              <>
                <Space wrap className="pf-toolbar">
                  <Select aria-label={t('definition.diffFrom')} className="pf-filter" value={diffFrom} options={versionOptions} onChange={(value: number) => choose('from', value)} />
                  <span aria-hidden="true">→</span>
                  <Select aria-label={t('definition.diffTo')} className="pf-filter" value={diffTo} options={versionOptions} onChange={(value: number) => choose('to', value)} />
                </Space>
                {diff.error && <ErrorNotice error={diff.error} onRetry={diff.reload} />}
                {diff.data && (
                  <Typography.Paragraph>
                    {diff.data.changes.length === 0 ? t('definition.diffNone') : t('definition.diffSummary', { from: diff.data.from, to: diff.data.to, count: diff.data.changes.length })}
                  </Typography.Paragraph>
                )}
                {!diff.error && (diff.data?.changes.length ?? 1) > 0 && (
                  <Table<Change>
                    className="pf-diff"
                    rowKey={(change) => `${change.kind}:${change.path}`}
                    loading={diff.loading}
                    dataSource={diff.data?.changes ?? []}
                    pagination={false}
                    size="small"
                    scroll={{ x: 800 }}
                    columns={[
                      {
                        title: t('definition.change'),
                        dataIndex: 'kind',
                        width: 90,
                        render: (kind: Change['kind']) => <Tag variant="solid" color={CHANGE_COLOURS[kind]}>{t(`definition.change.${kind}` as MessageKey)}</Tag>,
                      },
                      { title: t('definition.path'), dataIndex: 'path', render: (path: string) => <code>{path}</code> },
                      { title: t('definition.before'), render: (_, change) => <del className="pf-diff-before">{shown(change.before)}</del> },
                      { title: t('definition.after'), render: (_, change) => <ins className="pf-diff-after">{shown(change.after)}</ins> },
                    ]}
                  />
                )}
              </>
            )}
          </Card>
        </>
      )}
    </>
  );
}
