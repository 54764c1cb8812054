import { Card, Descriptions, Empty, Skeleton, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import { useEffect } from 'react';
import { useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n } from '../../i18n/index.js';
import { useProcedureOutline } from '../../api/definitions.js';
import { ProcedureDiagram } from './ProcedureDiagram.js';
import { StatusTag } from './shared.js';

/** How often a running cycle's page asks again: a decision elsewhere shows within a few seconds. */
const REFRESH_MS = 4000;

/**
 * One cycle: its facts, the procedure drawn live, and what the read model holds of it — steps, bids (as
 * the viewer's role may see them: the API leaves out what it must), contracts, payments in 元, notices
 * and the audit trail.
 */
export function CyclePage() {
  const { id = '' } = useParams();
  const { t, text, money, dateTime } = useI18n();
  const cycle = useApi(() => unwrap(api.GET('/cycles/{id}', { params: { path: { id } } })), [id]);
  const data = cycle.data;
  const outline = useProcedureOutline(data?.definition.key, data?.definition.version);
  const live = data?.status === 'running' || data?.status === 'awarded';
  const { reload } = cycle;
  useEffect(() => {
    if (!live) return undefined;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, reload]);

  if (cycle.error && !data) return <ErrorNotice error={cycle.error} onRetry={cycle.reload} />;
  if (!data) return <Skeleton active paragraph={{ rows: 10 }} />;

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {text(data.title)}
      </Typography.Title>
      <Card>
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('cycles.col.status')}>
            <StatusTag status={data.status} />
          </Descriptions.Item>
          <Descriptions.Item label={t('cycle.definition')}>
            {data.definition.key} v{data.definition.version}
          </Descriptions.Item>
          <Descriptions.Item label={t('cycles.col.jurisdiction')}>{data.jurisdiction}</Descriptions.Item>
          <Descriptions.Item label={t('cycle.launchedBy')}>{data.launchedBy}</Descriptions.Item>
          <Descriptions.Item label={t('cycle.launchedAt')}>{dateTime(data.launchedAt)}</Descriptions.Item>
          {data.endedAt && <Descriptions.Item label={t('cycle.endedAt')}>{dateTime(data.endedAt)}</Descriptions.Item>}
          {data.endReason && <Descriptions.Item label={t('cycle.endReason')}>{data.endReason}</Descriptions.Item>}
        </Descriptions>
      </Card>
      <Card className="pf-section" title={<Typography.Title level={2} className="pf-card-title">{t('cycle.diagram')}</Typography.Title>} extra={live ? <Typography.Text type="secondary">{t('cycle.live')}</Typography.Text> : undefined}>
        {outline.error && <ErrorNotice error={outline.error} onRetry={outline.reload} />}
        {outline.data ? <ProcedureDiagram outline={outline.data} cycle={data} /> : <Skeleton active paragraph={{ rows: 2 }} />}
        {data.contractSteps.length > 0 && <Typography.Paragraph className="pf-section">{t('cycle.contractSteps', { steps: data.contractSteps.join(', ') })}</Typography.Paragraph>}
      </Card>
      <Card className="pf-section">
        <Tabs
          items={[
            {
              key: 'timeline',
              label: t('cycle.timeline'),
              children: (
                <Timeline
                  items={data.steps.map((step) => ({
                    key: `${step.workflowId}/${step.stepId}/${step.enteredAt}`,
                    content: (
                      <Space wrap>
                        <Typography.Text strong>{text(step.title ?? undefined) || step.stepId}</Typography.Text>
                        {step.contractId && <Tag>{step.contractId.split('/').pop()}</Tag>}
                        <span>
                          {t('cycle.entered')} {dateTime(step.enteredAt)}
                        </span>
                        {step.endedAt && (
                          <span>
                            {t('cycle.ended')} {dateTime(step.endedAt)} {step.outcome ? `(${step.outcome})` : ''}
                          </span>
                        )}
                      </Space>
                    ),
                  }))}
                />
              ),
            },
            {
              key: 'bids',
              label: t('cycle.bids'),
              children: (
                <Table
                  className="pf-table pf-bids"
                  rowKey="bidId"
                  size="small"
                  pagination={false}
                  scroll={{ x: 600 }}
                  dataSource={data.bids}
                  locale={{ emptyText: <Empty description={t('cycle.noBids')} /> }}
                  columns={[
                    { title: t('cycle.bid.vendor'), dataIndex: 'vendorName' },
                    { title: t('cycle.bid.round'), dataIndex: 'round', align: 'right' },
                    { title: t('cycle.bid.price'), key: 'price', align: 'right', render: (_, bid) => (bid.priceFen === null ? '—' : money(bid.priceFen)) },
                    { title: t('cycle.bid.score'), key: 'score', align: 'right', render: (_, bid) => bid.score ?? '—' },
                    { title: t('cycle.bid.won'), key: 'won', render: (_, bid) => (bid.won ? '✓' : '') },
                  ]}
                />
              ),
            },
            {
              key: 'contracts',
              label: t('cycle.contracts'),
              children: (
                <Table
                  className="pf-table"
                  rowKey="contractId"
                  size="small"
                  pagination={false}
                  dataSource={data.contracts}
                  locale={{ emptyText: <Empty description={t('cycle.noContracts')} /> }}
                  columns={[
                    { title: t('cycle.bid.vendor'), dataIndex: 'vendorName' },
                    { title: t('cycle.payment.amount'), key: 'amount', align: 'right', render: (_, contract) => money(contract.amountFen) },
                    { title: t('cycles.col.status'), key: 'status', render: (_, contract) => <StatusTag status={contract.status} /> },
                  ]}
                />
              ),
            },
            {
              key: 'payments',
              label: t('cycle.payments'),
              children: (
                <Table
                  className="pf-table"
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={data.payments}
                  locale={{ emptyText: <Empty description={t('cycle.noPayments')} /> }}
                  columns={[
                    { title: t('cycle.bid.vendor'), dataIndex: 'vendorName' },
                    { title: t('cycle.payment.amount'), key: 'amount', align: 'right', render: (_, payment) => money(payment.amountFen) },
                    { title: t('cycle.payment.status'), dataIndex: 'status' },
                    { title: t('cycle.payment.instructedAt'), key: 'at', render: (_, payment) => dateTime(payment.instructedAt) },
                  ]}
                />
              ),
            },
            {
              key: 'notices',
              label: t('cycle.notices'),
              children:
                data.notices.length === 0 ? (
                  <Empty description={t('cycle.noNotices')} />
                ) : (
                  <Timeline items={data.notices.map((notice) => ({ key: notice.id, content: `${dateTime(notice.publishedAt)} · ${text(notice.title)}` }))} />
                ),
            },
            {
              key: 'audit',
              label: t('cycle.audit'),
              children:
                data.audit.length === 0 ? (
                  <Empty description={t('cycle.noAudit')} />
                ) : (
                  <Timeline
                    items={data.audit.map((entry, index) => ({
                      key: `${entry.occurredAt}-${index}`,
                      content: `${dateTime(entry.occurredAt)} · ${entry.action} · ${entry.actorId}${entry.comment ? ` · ${entry.comment}` : ''}`,
                    }))}
                  />
                ),
            },
          ]}
        />
      </Card>
    </>
  );
}
