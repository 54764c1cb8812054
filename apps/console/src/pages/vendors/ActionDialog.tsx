import { Form, Modal } from 'antd';
import { useState, type ReactNode } from 'react';
import { ApiFailure } from '../../api/errors.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n } from '../../i18n/index.js';

/** Form.Item props showing a field's problem: the one found before sending, else what the API's 422 named. */
export function problemProps(failure: ApiFailure | undefined, field: string, local?: string): { validateStatus?: 'error'; help?: string } {
  const problems = local ? [local] : (failure?.problemsOf(field) ?? []);
  return problems.length > 0 ? { validateStatus: 'error', help: problems.join('; ') } : {};
}

/**
 * A dialog for one action on a vendor: its fields, a submit that calls the API, and the API's refusal
 * shown inside it (a 403's or 409's message with the correlation id at the top; a 422's problems next to
 * the fields it names, through `children(failure)`), so the user can correct it without losing the input.
 */
export function ActionDialog({
  title,
  open,
  onClose,
  submit,
  children,
}: {
  title: string;
  open: boolean;
  onClose(): void;
  /** Sends the action; resolves when it was done, returns false when a check before sending failed. */
  submit(): Promise<boolean>;
  children(failure: ApiFailure | undefined): ReactNode;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure>();

  const close = () => {
    setFailure(undefined);
    onClose();
  };
  const ok = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      if (await submit()) close();
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, undefined));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      title={title}
      open={open}
      onCancel={close}
      onOk={() => void ok()}
      okText={t('vendor.submit')}
      cancelText={t('vendor.cancel')}
      confirmLoading={busy}
      destroyOnHidden
    >
      {failure && (
        <div className="pf-dialog-error">
          <ErrorNotice error={failure} />
        </div>
      )}
      <Form layout="vertical" onSubmitCapture={(event) => event.preventDefault()}>
        {children(failure)}
      </Form>
    </Modal>
  );
}
