import { Button, List, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useI18n } from '../../i18n/index.js';
import { FilterBar, useFilters } from './filters.js';
import { ListState, OpsOnly, PROCESS_KINDS, STUCK_CAUSES, StatusTag, usePaged, useOpsLabels, type ProcessKind, type StuckCause } from './shared.js';

type StuckProcess = components['schemas']['StuckProcessDto'];

const FILTERS = ['kind', 'jurisdiction', 'cause'] as const;

/** Stuck processes, each with every cause in words (what fails, at which attempt, since when). */
function OpsStuck() {
  const { t, number, dateTime } = useI18n();
  const labels = useOpsLabels();
  const { values, key } = useFilters(FILTERS);
  const [examined, setExamined] = useState(0);
  const paged = usePaged<StuckProcess>(async (cursor) => {
    const page = await unwrap(
      api.GET('/ops/stuck', {
        params: { query: { kind: values['kind'] as ProcessKind | undefined, jurisdiction: values['jurisdiction'], cause: values['cause'] as StuckCause | undefined, cursor } },
      }),
    );
    setExamined((before) => (cursor ? before + page.examined : page.examined));
    return { items: page.processes, nextCursor: page.nextCursor };
  }, key);

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('ops.stuck.title')}
      </Typography.Title>
      <FilterBar
        fields={[
          { name: 'kind', label: 'ops.field.kind', options: PROCESS_KINDS.map((kind) => ({ value: kind, label: labels.kind(kind) })) },
          { name: 'jurisdiction', label: 'ops.field.jurisdiction' },
          { name: 'cause', label: 'ops.field.cause', options: STUCK_CAUSES.map((cause) => ({ value: cause, label: labels.cause(cause) })) },
        ]}
      />
      <div className="pf-section">
        <ListState paged={paged} empty={t('ops.stuck.empty')}>
          <List
            bordered
            dataSource={[...paged.items]}
            rowKey="workflowId"
            renderItem={(process) => (
              <List.Item>
                <Space orientation="vertical" size={4} className="pf-ops-stack">
                  <Space wrap>
                    <Link to={`/ops/processes/${encodeURIComponent(process.workflowId)}`}>{process.workflowId}</Link>
                    <Tag>{labels.kind(process.kind)}</Tag>
                    <Tag color="blue">{process.jurisdiction}</Tag>
                    <StatusTag status={process.status} />
                    <Typography.Text type="secondary">
                      {process.definitionKey} v{process.definitionVersion}
                    </Typography.Text>
                    {process.lastEventAt && (
                      <Typography.Text type="secondary">
                        {t('ops.field.lastEventAt')}: {dateTime(process.lastEventAt)}
                      </Typography.Text>
                    )}
                  </Space>
                  <ul className="pf-ops-causes">
                    {process.causes.map((cause, index) => (
                      <li key={`${cause.cause}-${index}`}>
                        <Tag color="red">{labels.cause(cause.cause)}</Tag>
                        {cause.words}
                        {cause.attempt !== null && <Typography.Text type="secondary"> · {t('ops.inspect.attempt', { attempt: number(cause.attempt) })}</Typography.Text>}
                        {cause.since && <Typography.Text type="secondary"> · {t('ops.stuck.since', { at: dateTime(cause.since) })}</Typography.Text>}
                      </li>
                    ))}
                  </ul>
                </Space>
              </List.Item>
            )}
          />
        </ListState>
        {!paged.loading && !paged.error && <Typography.Paragraph type="secondary" className="pf-section">{t('ops.stuck.examined', { count: number(examined) })}</Typography.Paragraph>}
        {paged.hasMore && (
          <Button onClick={paged.more} loading={paged.loadingMore}>
            {t('ops.stuck.continue')}
          </Button>
        )}
      </div>
    </>
  );
}

export function OpsStuckPage() {
  return (
    <OpsOnly>
      <OpsStuck />
    </OpsOnly>
  );
}
