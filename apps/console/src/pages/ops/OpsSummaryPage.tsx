import { Alert, Card, Col, Row, Space, Statistic, Table, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n } from '../../i18n/index.js';
import { EmptySentence, Loading, OpsOnly, StatusTag, useOpsLabels } from './shared.js';

/** What needs ops attention now: overdue and stuck counts, open processes, and calendars to deploy. */
function OpsSummary() {
  const { t, number, dateTime } = useI18n();
  const labels = useOpsLabels();
  const summary = useApi(() => unwrap(api.GET('/ops/summary')), []);
  const data = summary.data;
  // The summary counts every cause and role, zeros included; the tables show only what needs attention.
  const stuckByCause = (data?.stuckByCause ?? []).filter((row) => row.count > 0);
  const overdueByRole = (data?.overdueByRole ?? []).filter((row) => row.count > 0);
  // One warning per jurisdiction, mostly naming the same file: one notice per file to deploy, its jurisdictions listed.
  const calendarGroups = new Map<string | null, Array<NonNullable<typeof data>['calendarWarnings'][number]>>();
  for (const warning of data?.calendarWarnings ?? []) calendarGroups.set(warning.file, [...(calendarGroups.get(warning.file) ?? []), warning]);

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('ops.summary.title')}
      </Typography.Title>
      {summary.error && <ErrorNotice error={summary.error} onRetry={summary.reload} />}
      {!data && !summary.error && <Loading />}
      {data && (
        <Space orientation="vertical" size="middle" className="pf-ops-stack">
          <Typography.Text type="secondary">{t('ops.summary.generatedAt', { at: dateTime(data.generatedAt) })}</Typography.Text>
          {[...calendarGroups.entries()].map(([file, warnings]) => (
            <Alert
              key={file ?? ''}
              type="warning"
              showIcon
              title={file ? t('ops.summary.calendarDeploy', { file }) : t('ops.summary.calendar')}
              description={
                <ul className="pf-ops-causes">
                  {warnings.map((warning) => (
                    <li key={`${warning.jurisdiction ?? ''}-${warning.message}`}>{warning.message}</li>
                  ))}
                </ul>
              }
            />
          ))}
          {!data.complete && <Alert type="info" showIcon title={t('ops.summary.incomplete', { count: number(data.examined) })} />}
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Card>
                <Statistic title={<Link to="/ops/overdue">{t('ops.summary.overdue')}</Link>} value={data.overdue} formatter={(v) => number(Number(v))} />
              </Card>
            </Col>
            <Col xs={24} md={8}>
              <Card>
                <Statistic title={<Link to="/ops/stuck">{t('ops.summary.stuck')}</Link>} value={data.stuck} formatter={(v) => number(Number(v))} />
              </Card>
            </Col>
            <Col xs={24} md={8}>
              <Card>
                <Statistic title={<Link to="/ops/processes">{t('ops.summary.examined')}</Link>} value={data.examined} formatter={(v) => number(Number(v))} />
              </Card>
            </Col>
          </Row>
          <Row gutter={16}>
            <Col xs={24} lg={8}>
              <Card title={<h2 className="pf-card-title">{t('ops.summary.open')}</h2>}>
                {data.open.length === 0 ? (
                  <EmptySentence sentence={t('ops.summary.noOpen')} />
                ) : (
                  <Table
                    size="small"
                    pagination={false}
                    rowKey={(row) => `${row.kind}-${row.status}`}
                    dataSource={data.open}
                    columns={[
                      { title: t('ops.field.kind'), dataIndex: 'kind', render: (_: unknown, row) => labels.kind(row.kind) },
                      { title: t('ops.field.status'), dataIndex: 'status', render: (_: unknown, row) => <StatusTag status={row.status} /> },
                      { title: t('ops.field.count'), dataIndex: 'count', align: 'right', render: (_: unknown, row) => number(row.count) },
                    ]}
                  />
                )}
              </Card>
            </Col>
            <Col xs={24} lg={8}>
              <Card title={<h2 className="pf-card-title">{t('ops.summary.stuckByCause')}</h2>}>
                {stuckByCause.length === 0 ? (
                  <EmptySentence sentence={t('ops.summary.noStuck')} />
                ) : (
                  <Table
                    size="small"
                    pagination={false}
                    rowKey="cause"
                    dataSource={stuckByCause}
                    columns={[
                      { title: t('ops.field.cause'), dataIndex: 'cause', render: (_: unknown, row) => <Link to={`/ops/stuck?cause=${row.cause}`}>{labels.cause(row.cause)}</Link> },
                      { title: t('ops.field.count'), dataIndex: 'count', align: 'right', render: (_: unknown, row) => number(row.count) },
                    ]}
                  />
                )}
              </Card>
            </Col>
            <Col xs={24} lg={8}>
              <Card title={<h2 className="pf-card-title">{t('ops.summary.overdueByRole')}</h2>}>
                {overdueByRole.length === 0 ? (
                  <EmptySentence sentence={t('ops.summary.noOverdue')} />
                ) : (
                  <Table
                    size="small"
                    pagination={false}
                    rowKey="role"
                    dataSource={overdueByRole}
                    columns={[
                      { title: t('ops.field.role'), dataIndex: 'role', render: (_: unknown, row) => <Link to={`/ops/overdue?role=${encodeURIComponent(row.role)}`}>{row.role}</Link> },
                      { title: t('ops.field.count'), dataIndex: 'count', align: 'right', render: (_: unknown, row) => number(row.count) },
                    ]}
                  />
                )}
              </Card>
            </Col>
          </Row>
        </Space>
      )}
    </>
  );
}

export function OpsSummaryPage() {
  return (
    <OpsOnly>
      <OpsSummary />
    </OpsOnly>
  );
}
