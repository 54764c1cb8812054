import { Alert, Button, Card, Descriptions, Form, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useReturnFocus } from '../../components/return-focus.js';
import { useI18n } from '../../i18n/index.js';
import { useProcedureOutline, type ProcedureOutline } from '../../api/definitions.js';
import { ReasonModal } from './ReasonModal.js';
import { EmptySentence, isOpen, Loading, OpsOnly, StatusTag, useOpsLabels } from './shared.js';

type Inspection = components['schemas']['ProcessInspectionDto'];
type RepairKind = 'retry' | 'rebuild' | 'reset' | 'cancel' | 'terminate';

/**
 * The page of what a process is about, from its workflow id: a cycle's id is its workflow id, a contract's
 * workflow id starts with its cycle's (`<cycleId>/contract/<vendorId>`), and a case's is `case-<caseId>`.
 */
function domainPathOf(kind: Inspection['kind'], workflowId: string): string {
  if (kind === 'case') return `/cases/${encodeURIComponent(workflowId.replace(/^case-/, ''))}`;
  const cycleId = kind === 'contract' ? (workflowId.split('/contract/')[0] ?? workflowId) : workflowId;
  return `/cycles/${encodeURIComponent(cycleId)}`;
}

/** The repairs a process of this kind and status can take; the API judges each anyway (409/422). */
function repairsFor(process: Inspection, outline: ProcedureOutline | undefined): RepairKind[] {
  if (!isOpen(process.status)) return [];
  const repairs: RepairKind[] = ['retry'];
  // A case's read model is not rebuilt from its workflow, and a contract is cancelled with its cycle.
  if (process.kind !== 'case') repairs.push('rebuild');
  if (process.kind === 'cycle' && (outline?.steps.some((step) => step.resettable) ?? false)) repairs.push('reset');
  if (process.kind !== 'contract') repairs.push('cancel');
  repairs.push('terminate');
  return repairs;
}

function ProcessRepair({ kind, process, outline, close }: { kind: RepairKind; process: Inspection; outline: ProcedureOutline | undefined; close: (done: boolean) => void }) {
  const { t, text } = useI18n();
  const path = { params: { path: { workflowId: process.workflowId } } };
  const outcomeSentence = (result: { outcome: string; status: string }) => (result.outcome === 'alreadyEnded' ? t('ops.repair.alreadyEnded') : t('ops.repair.done', { what: result.status }));
  switch (kind) {
    case 'retry':
      return (
        <ReasonModal
          title={t('ops.repair.retry')}
          explain={t('ops.repair.retryExplain')}
          submit={async (values, requestId) => {
            const result = await unwrap(api.POST('/ops/processes/{workflowId}/retry', { ...path, body: { reason: values.reason, requestId } }));
            return t('ops.repair.done', { what: result.activities.map((a) => `${a.activity} (${a.attempt})`).join(', ') });
          }}
          close={close}
        />
      );
    case 'rebuild':
      return (
        <ReasonModal
          title={t('ops.repair.rebuild')}
          explain={t('ops.repair.rebuildExplain')}
          submit={async (values, requestId) => {
            const result = await unwrap(api.POST('/ops/processes/{workflowId}/rebuild', { ...path, body: { reason: values.reason, requestId } }));
            return t('ops.repair.done', { what: `${result.status} · ${result.stepId ?? '—'}` });
          }}
          close={close}
        />
      );
    case 'reset': {
      const steps = (outline?.steps ?? []).filter((step) => step.resettable);
      return (
        <ReasonModal
          title={t('ops.repair.reset')}
          explain={t('ops.repair.resetExplain')}
          danger
          fields={
            <Form.Item name="step" label={t('ops.repair.resetStep')} rules={[{ required: true }]}>
              <Select options={steps.map((step) => ({ value: step.id, label: step.title ? `${text(step.title)} (${step.id})` : step.id }))} />
            </Form.Item>
          }
          submit={async (values, requestId) => {
            const result = await unwrap(api.POST('/ops/processes/{workflowId}/reset', { ...path, body: { step: String(values['step']), reason: values.reason, requestId } }));
            return t('ops.repair.done', { what: `${result.step} → ${result.stepId ?? '—'}` });
          }}
          close={close}
        />
      );
    }
    case 'cancel':
      return (
        <ReasonModal
          title={t('ops.repair.cancel')}
          explain={t('ops.repair.cancelExplain', { id: process.workflowId })}
          danger
          submit={async (values, requestId) => {
            const result = await unwrap(api.POST('/ops/processes/{workflowId}/cancellation', { ...path, body: { reason: values.reason, requestId } }));
            return outcomeSentence(result);
          }}
          close={close}
        />
      );
    case 'terminate':
      return (
        <ReasonModal
          title={t('ops.repair.terminate')}
          explain={t('ops.repair.terminateExplain', { id: process.workflowId })}
          danger
          submit={async (values, requestId) => {
            const result = await unwrap(api.POST('/ops/processes/{workflowId}/termination', { ...path, body: { reason: values.reason, requestId } }));
            return outcomeSentence(result);
          }}
          close={close}
        />
      );
  }
}

const REPAIR_LABELS = { retry: 'ops.repair.retry', rebuild: 'ops.repair.rebuild', reset: 'ops.repair.reset', cancel: 'ops.repair.cancel', terminate: 'ops.repair.terminate' } as const;

/** One process inspected: its state, open tasks and holders, pending activities, timeline, and its repairs. */
function OpsProcess() {
  const { workflowId = '' } = useParams();
  const { t, text, number, dateTime } = useI18n();
  const labels = useOpsLabels();
  const [repair, setRepair] = useState<RepairKind>();
  const openingRepair = useReturnFocus(repair !== undefined);
  const inspection = useApi(() => unwrap(api.GET('/ops/processes/{workflowId}', { params: { path: { workflowId } } })), [workflowId]);
  const process = inspection.data;
  const outline = useProcedureOutline(process?.kind === 'case' ? undefined : process?.definitionKey, process?.definitionVersion);
  const stepTitle = (step: string | null) => {
    if (!step) return '—';
    const found = outline.data?.steps.find((s) => s.id === step);
    return found?.title ? `${text(found.title)} (${step})` : step;
  };

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('ops.inspect.title', { id: workflowId })}
      </Typography.Title>
      <Link to="/ops/processes">{t('ops.inspect.back')}</Link>
      {inspection.error && <ErrorNotice error={inspection.error} onRetry={inspection.reload} />}
      {!process && !inspection.error && <Loading />}
      {process && (
        <Space orientation="vertical" size="middle" className="pf-ops-stack pf-section">
          <Card title={<h2 className="pf-card-title">{t('ops.inspect.overview')}</h2>}>
            <Descriptions size="small" column={{ xs: 1, md: 2 }}>
              <Descriptions.Item label={t('ops.field.kind')}>{labels.kind(process.kind)}</Descriptions.Item>
              <Descriptions.Item label={t('ops.field.jurisdiction')}>{process.jurisdiction}</Descriptions.Item>
              <Descriptions.Item label={t('ops.field.definition')}>
                {process.definitionKey} v{process.definitionVersion}
              </Descriptions.Item>
              <Descriptions.Item label={t('ops.field.step')}>{stepTitle(process.step)}</Descriptions.Item>
              <Descriptions.Item label={t('ops.field.status')}>
                <StatusTag status={process.status} />
              </Descriptions.Item>
              <Descriptions.Item label={t('ops.field.temporalStatus')}>{process.temporalStatus ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('ops.field.startedAt')}>{dateTime(process.startedAt)}</Descriptions.Item>
              <Descriptions.Item label={t('ops.field.nextDueAt')}>{process.nextDueAt ? dateTime(process.nextDueAt) : '—'}</Descriptions.Item>
            </Descriptions>
            <Space wrap size="large">
              <Link to={domainPathOf(process.kind, process.workflowId)}>{t(`ops.inspect.domainPage.${process.kind}` as const)}</Link>
              {process.webUiUrl && (
                <a href={process.webUiUrl} target="_blank" rel="noreferrer">
                  {t('ops.inspect.webUi')}
                </a>
              )}
            </Space>
            {process.temporalUnavailable && <Alert type="warning" showIcon title={t('ops.inspect.temporalUnavailable', { reason: process.temporalUnavailable })} className="pf-ops-gap" />}
          </Card>

          <Card title={<h2 className="pf-card-title">{t('ops.inspect.repairs')}</h2>}>
            {repairsFor(process, outline.data).length === 0 ? (
              <Typography.Text>{t('ops.inspect.ended')}</Typography.Text>
            ) : (
              <Space wrap>
                {repairsFor(process, outline.data).map((kind) => (
                  <Button key={kind} danger={kind === 'cancel' || kind === 'terminate' || kind === 'reset'} onClick={() => (openingRepair(), setRepair(kind))}>
                    {t(REPAIR_LABELS[kind])}
                  </Button>
                ))}
              </Space>
            )}
          </Card>

          <Card title={<h2 className="pf-card-title">{t('ops.inspect.tasks')}</h2>}>
            {process.tasks.length === 0 ? (
              <EmptySentence sentence={t('ops.inspect.noTasks')} />
            ) : (
              <Table
                size="small"
                rowKey="id"
                pagination={false}
                dataSource={process.tasks}
                columns={[
                  { title: t('ops.field.task'), key: 'title', render: (_: unknown, task) => <span title={task.id}>{task.title}</span> },
                  { title: t('ops.field.holder'), key: 'holders', render: (_: unknown, task) => task.holders.map((role) => <Tag key={role}>{role}</Tag>) },
                  { title: t('ops.field.openedAt'), key: 'openedAt', render: (_: unknown, task) => dateTime(task.openedAt) },
                  { title: t('ops.field.dueAt'), key: 'dueAt', render: (_: unknown, task) => (task.dueAt ? dateTime(task.dueAt) : '—') },
                ]}
              />
            )}
          </Card>

          <Card title={<h2 className="pf-card-title">{t('ops.inspect.activities')}</h2>}>
            {process.pendingActivities.length === 0 ? (
              <EmptySentence sentence={t('ops.inspect.noActivities')} />
            ) : (
              <Table
                size="small"
                rowKey={(activity) => `${activity.activity}-${activity.attempt}-${activity.state}`}
                pagination={false}
                dataSource={process.pendingActivities}
                columns={[
                  { title: t('ops.field.activity'), dataIndex: 'activity' },
                  { title: t('ops.field.state'), dataIndex: 'state' },
                  { title: t('ops.field.attempt'), key: 'attempt', align: 'right', render: (_: unknown, activity) => number(activity.attempt) },
                  { title: t('ops.field.lastFailure'), key: 'lastFailure', render: (_: unknown, activity) => activity.lastFailure ?? '—' },
                ]}
              />
            )}
          </Card>

          <Card title={<h2 className="pf-card-title">{t('ops.inspect.timeline')}</h2>}>
            {process.timeline.length === 0 ? (
              <EmptySentence sentence={t('ops.inspect.noTimeline')} />
            ) : (
              <Timeline
                className="pf-ops-timeline"
                titleSpan={6}
                items={process.timeline.map((entry, index) => ({
                  key: `${entry.at}-${entry.eventId ?? index}`,
                  color: entry.failure ? 'red' : entry.source === 'readModel' ? 'blue' : 'gray',
                  title: dateTime(entry.at),
                  content: (
                    <div>
                      <Tag color={entry.source === 'readModel' ? 'blue' : 'default'}>{entry.source === 'readModel' ? t('ops.inspect.source.readModel') : t('ops.inspect.source.temporal')}</Tag>
                      <Typography.Text code>{entry.type}</Typography.Text>{' '}
                      {/* The summary already carries a failure's message; a failure shows in the danger colour. */}
                      <Typography.Text type={entry.failure ? 'danger' : undefined}>{entry.summary}</Typography.Text>
                    </div>
                  ),
                }))}
              />
            )}
          </Card>
        </Space>
      )}
      {repair && process && (
        <ProcessRepair
          kind={repair}
          process={process}
          outline={outline.data}
          close={(done) => {
            setRepair(undefined);
            if (done) inspection.reload();
          }}
        />
      )}
    </>
  );
}

export function OpsProcessPage() {
  return (
    <OpsOnly>
      <OpsProcess />
    </OpsOnly>
  );
}
