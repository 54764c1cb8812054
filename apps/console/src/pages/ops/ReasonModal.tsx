import { Alert, Form, Input, Modal, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useOnce } from '../../api/use-once.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { type MessageKey, useI18n } from '../../i18n/index.js';

export type RepairValues = Record<string, unknown> & { reason: string };

export interface ReasonModalProps {
  readonly title: string;
  /** What confirming will do, in words: the user reads it before the request is sent. */
  readonly explain: ReactNode;
  /** More fields (Form.Items) before the reason, e.g. the step to reset to. */
  readonly fields?: ReactNode;
  readonly initialValues?: Record<string, unknown>;
  readonly danger?: boolean;
  /** The label, hint and missing-text message of the required text, when it is not a repair's reason (e.g. what was done about a task). */
  readonly reasonText?: { readonly label: MessageKey; readonly hint?: MessageKey; readonly required: MessageKey };
  /** Sends the request; answers the sentence to show when it succeeded. */
  submit(values: RepairValues, requestId: string): Promise<string>;
  /** Closes the modal; `done` is true after a success (the page then loads again). */
  close(done: boolean): void;
}

/**
 * A repair's confirmation: what it will do, its fields and the required reason, then the API's answer —
 * its 422 problems next to the fields they name, any other refusal (403/404/409) with its correlation id.
 * Each attempt sends a fresh requestId, except after an answer that never came (network, 503): the same
 * request is sent again with the same id, so it has one effect however often it is tried.
 */
export function ReasonModal({ title, explain, fields, initialValues, danger, reasonText, submit, close }: ReasonModalProps) {
  const { t } = useI18n();
  const [form] = Form.useForm<RepairValues>();
  const repair = useOnce<string>();
  const { failure } = repair;
  const [success, setSuccess] = useState<string>();

  const onOk = async () => {
    if (success) {
      close(true);
      return;
    }
    let values: RepairValues;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    const done = await repair.send((requestId) => submit(values, requestId));
    if (done !== undefined) setSuccess(done);
  };

  // The API's 422 names the fields it refuses; each shows its problem under it.
  useEffect(() => {
    if (!failure) return;
    const named = Object.keys(form.getFieldsValue(true) as object);
    form.setFields(named.map((name) => ({ name, errors: failure.problemsOf(name) })));
  }, [failure, form]);

  return (
    <Modal
      open
      title={title}
      onOk={() => void onOk()}
      onCancel={() => close(success !== undefined)}
      okText={success ? t('ops.bulk.close') : t('ops.repair.confirm')}
      cancelText={t('ops.repair.cancelButton')}
      cancelButtonProps={success ? { style: { display: 'none' } } : undefined}
      okButtonProps={{ danger: danger && !success }}
      confirmLoading={repair.busy}
      maskClosable={false}
      destroyOnHidden
    >
      <Typography.Paragraph>{explain}</Typography.Paragraph>
      {success ? (
        <Alert type="success" showIcon role="status" title={success} />
      ) : (
        <Form form={form} layout="vertical" initialValues={initialValues} requiredMark>
          {fields}
          <Form.Item
            name="reason"
            label={t(reasonText?.label ?? 'ops.field.reason')}
            extra={reasonText ? reasonText.hint && t(reasonText.hint) : t('ops.repair.reasonHint')}
            rules={[{ required: true, whitespace: true, message: t(reasonText?.required ?? 'ops.repair.reasonRequired') }, { max: 500 }]}
          >
            <Input.TextArea rows={3} maxLength={500} showCount />
          </Form.Item>
        </Form>
      )}
      {failure && <ErrorNotice error={failure} />}
    </Modal>
  );
}
