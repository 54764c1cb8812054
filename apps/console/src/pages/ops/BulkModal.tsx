import { Alert, Button, Form, Input, List, Modal, Radio, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api/client.js';
import { ApiFailure, unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n, type MessageKey } from '../../i18n/index.js';
import { newRequestId, type ProcessKind } from './shared.js';

type Selection = components['schemas']['BulkSelectionDto'];
type Execution = components['schemas']['BulkExecutionDto'];
type BulkFilter = components['schemas']['BulkFilterDto'];
type Outcome = Execution['outcomes'][number]['outcome'];

const OUTCOME_LABELS: Record<Outcome, MessageKey> = { done: 'ops.bulk.outcome.done', alreadyEnded: 'ops.bulk.outcome.alreadyEnded', failed: 'ops.bulk.outcome.failed' };

/** The process list's filters a bulk selection understands (role and overdueFor are list-only). */
export function bulkFilterOf(values: Record<string, string>): BulkFilter {
  const filter: BulkFilter = {};
  if (values['kind']) filter.kind = values['kind'] as ProcessKind;
  if (values['jurisdiction']) filter.jurisdiction = values['jurisdiction'];
  if (values['definition']) filter.definition = values['definition'];
  if (values['step']) filter.step = values['step'];
  if (values['status']) filter.status = values['status'] as BulkFilter['status'];
  if (values['olderThan']) filter.olderThan = values['olderThan'];
  return filter;
}

/**
 * Bulk cancel or terminate in two steps: the dry run freezes the exact list under a selection id and shows
 * it; executing acts on exactly that list (the selection's own URL) and shows each process's outcome.
 */
export function BulkModal({ filter, ignoresListFilters, close }: { filter: BulkFilter; ignoresListFilters: boolean; close: (done: boolean) => void }) {
  const { t, number, dateTime } = useI18n();
  const [form] = Form.useForm<{ action: 'cancel' | 'terminate'; reason: string }>();
  const [selection, setSelection] = useState<Selection>();
  const [execution, setExecution] = useState<Execution>();
  const [failure, setFailure] = useState<ApiFailure>();
  const [sending, setSending] = useState(false);
  const [requestId] = useState(newRequestId);

  const run = async (call: () => Promise<void>) => {
    setSending(true);
    setFailure(undefined);
    try {
      await call();
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, undefined));
    } finally {
      setSending(false);
    }
  };

  const dryRun = async () => {
    let values: { action: 'cancel' | 'terminate'; reason: string };
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    await run(async () => setSelection(await unwrap(api.POST('/ops/bulk', { body: { action: values.action, filter, reason: values.reason, dryRun: true } }))));
  };

  const execute = async () => {
    if (!selection) return;
    const reason = String(form.getFieldValue('reason'));
    // One requestId for this selection: sending it again (after a lost answer) answers the first execution.
    await run(async () =>
      setExecution(await unwrap(api.POST('/ops/bulk/{selectionId}/execution', { params: { path: { selectionId: selection.selectionId } }, body: { reason, requestId } }))),
    );
  };

  const footer = execution ? (
    <Button type="primary" onClick={() => close(true)}>
      {t('ops.bulk.close')}
    </Button>
  ) : selection ? (
    <Space>
      <Button onClick={() => close(false)}>{t('ops.repair.cancelButton')}</Button>
      {selection.count > 0 && (
        <Button type="primary" danger loading={sending} onClick={() => void execute()}>
          {t('ops.bulk.execute', { count: number(selection.count) })}
        </Button>
      )}
    </Space>
  ) : (
    <Space>
      <Button onClick={() => close(false)}>{t('ops.repair.cancelButton')}</Button>
      <Button type="primary" loading={sending} onClick={() => void dryRun()}>
        {t('ops.bulk.dryRun')}
      </Button>
    </Space>
  );

  return (
    <Modal open title={t('ops.bulk.title')} onCancel={() => close(execution !== undefined)} footer={footer} maskClosable={false} width={720} destroyOnHidden>
      <Typography.Paragraph>{t('ops.bulk.explain')}</Typography.Paragraph>
      {ignoresListFilters && <Alert type="info" showIcon title={t('ops.bulk.ignored')} className="pf-ops-gap" />}
      <Form form={form} layout="vertical" initialValues={{ action: 'cancel' }} disabled={selection !== undefined}>
        <Form.Item name="action" label={t('ops.bulk.action')}>
          <Radio.Group
            options={[
              { value: 'cancel', label: t('ops.bulk.cancel') },
              { value: 'terminate', label: t('ops.bulk.terminate') },
            ]}
          />
        </Form.Item>
        <Form.Item name="reason" label={t('ops.field.reason')} extra={t('ops.repair.reasonHint')} rules={[{ required: true, whitespace: true, message: t('ops.repair.reasonRequired') }, { max: 2000 }]}>
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      </Form>
      {selection && (
        <section aria-label={t('ops.bulk.selection', { id: selection.selectionId, count: number(selection.count), expires: dateTime(selection.expiresAt) })}>
          <Alert
            type={selection.count > 0 ? 'warning' : 'info'}
            showIcon
            title={selection.count > 0 ? t('ops.bulk.selection', { id: selection.selectionId, count: number(selection.count), expires: dateTime(selection.expiresAt) }) : t('ops.bulk.none')}
          />
          {selection.count > 0 && (
            <List
              size="small"
              bordered
              className="pf-ops-selection"
              dataSource={selection.workflowIds}
              renderItem={(workflowId) => {
                const outcome = execution?.outcomes.find((o) => o.workflowId === workflowId);
                return (
                  <List.Item className="pf-ops-selected">
                    <span className="pf-ops-workflow-id">{workflowId}</span>
                    {outcome && (
                      <span>
                        <Tag color={outcome.outcome === 'failed' ? 'red' : outcome.outcome === 'done' ? 'green' : 'default'}>{t(OUTCOME_LABELS[outcome.outcome])}</Tag>
                        {outcome.message}
                      </span>
                    )}
                  </List.Item>
                );
              }}
            />
          )}
        </section>
      )}
      {execution && (
        <Alert
          type={execution.failed > 0 ? 'error' : 'success'}
          role="status"
          showIcon
          className="pf-ops-gap"
          title={t('ops.bulk.executed', { done: number(execution.done), alreadyEnded: number(execution.alreadyEnded), failed: number(execution.failed) })}
        />
      )}
      {failure && <ErrorNotice error={failure} />}
    </Modal>
  );
}
