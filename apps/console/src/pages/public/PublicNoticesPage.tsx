import { Button, Card, Collapse, Descriptions, Empty, Input, Layout, Select, Skeleton, Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { paths } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useListAddress } from '../../components/list-address.js';
import { useI18n } from '../../i18n/index.js';
import { LanguageSwitch } from '../../components/LanguageSwitch.js';

type NoticeKind = NonNullable<NonNullable<paths['/public/notices']['get']['parameters']['query']>['kind']>;
const NOTICE_KINDS: readonly NoticeKind[] = ['requirementsConsultation', 'purchaseNotice', 'awardResult', 'contract', 'evaluationResult', 'acceptanceResult'];
const PAGE_SIZE = 20;

/**
 * The published notices, for anyone, without signing in (information disclosure): by jurisdiction
 * (`?jurisdiction=zj-deqing` in the address, so a link can be shared) and kind, newest first.
 */
export function PublicNoticesPage() {
  const { t, text, dateTime } = useI18n();
  const address = useListAddress();
  const jurisdiction = address.get('jurisdiction') ?? '';
  const kind = address.get('kind') as NoticeKind | undefined;
  const { page, set } = address;
  const notices = useApi(
    () =>
      unwrap(
        api.GET('/public/notices', {
          params: { query: { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(jurisdiction ? { jurisdiction } : {}), ...(kind ? { kind } : {}) } },
        }),
      ),
    [jurisdiction, kind, page],
  );
  const total = notices.data?.total ?? 0;

  return (
    <Layout className="pf-shell">
      <Layout.Header className="pf-header">
        <span className="pf-brand">{t('app.name')}</span>
        <Space size="small">
          <LanguageSwitch />
          <Link to="/sign-in">{t('public.signIn')}</Link>
        </Space>
      </Layout.Header>
      <Layout.Content id="main" className="pf-content pf-public">
        <Typography.Title level={1} className="pf-page-title">
          {t('public.title')}
        </Typography.Title>
        <Space wrap className="pf-toolbar">
          <Input.Search
            aria-label={t('public.jurisdiction')}
            placeholder={t('public.jurisdiction')}
            defaultValue={jurisdiction}
            allowClear
            onSearch={(value) => set('jurisdiction', value.trim() || undefined)}
            style={{ width: 240 }}
          />
          <Select
            aria-label={t('public.kind')}
            className="pf-filter"
            value={kind ?? ''}
            onChange={(value: string) => set('kind', value || undefined)}
            options={[{ value: '', label: `${t('public.kind')}: ${t('cycles.any')}` }, ...NOTICE_KINDS.map((k) => ({ value: k, label: k }))]}
          />
        </Space>
        {notices.error && <ErrorNotice error={notices.error} onRetry={notices.reload} />}
        {notices.loading && !notices.data ? (
          <Skeleton active paragraph={{ rows: 6 }} />
        ) : total === 0 ? (
          <Empty description={t('public.empty')} />
        ) : (
          <Card>
            <Collapse
              items={(notices.data?.notices ?? []).map((notice) => ({
                key: notice.id,
                label: (
                  <Space wrap>
                    <Typography.Text strong>{text(notice.title)}</Typography.Text>
                    <span>{text(notice.cycleTitle)}</span>
                    <span>{notice.jurisdiction}</span>
                    <span>{dateTime(notice.publishedAt)}</span>
                  </Space>
                ),
                children: (
                  <>
                    <Descriptions column={1} size="small" items={notice.lines.map((line, index) => ({ key: String(index), label: text(line.label), children: line.value }))} />
                  </>
                ),
              }))}
            />
            {total > page * PAGE_SIZE && (
              <Button className="pf-section" onClick={() => set('page', String(page + 1))}>
                {t('cycles.more')}
              </Button>
            )}
          </Card>
        )}
      </Layout.Content>
    </Layout>
  );
}
