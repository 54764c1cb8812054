import { Alert, Form, Input, Modal, Typography } from 'antd';
import { useRef, useState, type ReactNode } from 'react';
import { ApiFailure } from '../../api/errors.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n } from '../../i18n/index.js';
import { newRequestId } from './shared.js';

export type RepairValues = Record<string, unknown> & { reason: string };

export interface ReasonModalProps {
  readonly title: string;
  /** What confirming will do, in words: the user reads it before the request is sent. */
  readonly explain: ReactNode;
  /** More fields (Form.Items) before the reason, e.g. the step to reset to. */
  readonly fields?: ReactNode;
  readonly initialValues?: Record<string, unknown>;
  readonly danger?: boolean;
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
export function ReasonModal({ title, explain, fields, initialValues, danger, submit, close }: ReasonModalProps) {
  const { t } = useI18n();
  const [form] = Form.useForm<RepairValues>();
  const [sending, setSending] = useState(false);
  const [failure, setFailure] = useState<ApiFailure>();
  const [success, setSuccess] = useState<string>();
  const unanswered = useRef<string | undefined>(undefined);

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
    const requestId = unanswered.current ?? newRequestId();
    setSending(true);
    setFailure(undefined);
    try {
      setSuccess(await submit(values, requestId));
      unanswered.current = undefined;
    } catch (error) {
      const refusal = error instanceof ApiFailure ? error : new ApiFailure(0, undefined);
      unanswered.current = refusal.status === 0 || refusal.status === 503 ? requestId : undefined;
      setFailure(refusal);
      const named = Object.keys(form.getFieldsValue(true) as object);
      form.setFields(named.map((name) => ({ name, errors: refusal.problemsOf(name) })));
    } finally {
      setSending(false);
    }
  };

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
      confirmLoading={sending}
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
            label={t('ops.field.reason')}
            extra={t('ops.repair.reasonHint')}
            rules={[{ required: true, whitespace: true, message: t('ops.repair.reasonRequired') }, { max: 500 }]}
          >
            <Input.TextArea rows={3} maxLength={500} showCount />
          </Form.Item>
        </Form>
      )}
      {failure && <ErrorNotice error={failure} />}
    </Modal>
  );
}
