import { Button, Card, Empty, Form, Input, Result, Select, Skeleton, Typography } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { ApiFailure, unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { DefinitionFields, type FormField, initialValues, toDecisionFields } from '../../forms/definition-form.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { ADMINISTRATOR_ROLE } from './shared.js';

/**
 * The inputs a compiled procedure declares (`inputs`, the same field language as task forms), in the
 * shape the form renderer takes. The API checks them again at launch and names any field it refuses.
 */
export function inputFieldsOf(definition: Record<string, unknown>): FormField[] {
  const inputs = Array.isArray(definition['inputs']) ? (definition['inputs'] as Array<Record<string, unknown>>) : [];
  const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);
  return inputs
    .filter((input) => typeof input['id'] === 'string' && typeof input['type'] === 'string')
    .map((input) => {
      const oneOf = Array.isArray(input['oneOf']) ? (input['oneOf'] as string[]) : null;
      const title = (input['title'] ?? { zh: input['id'], en: input['id'] }) as { zh: string; en: string };
      const declared = input['default'];
      return {
        id: input['id'] as string,
        type: (input['type'] === 'string' && oneOf ? 'choice' : input['type']) as FormField['type'],
        title,
        required: input['required'] === true && declared === undefined,
        min: numberOrNull(input['min']),
        max: numberOrNull(input['max']),
        minLength: numberOrNull(input['minLength']),
        maxLength: numberOrNull(input['maxLength']),
        oneOf,
        default: typeof declared === 'string' || typeof declared === 'number' || typeof declared === 'boolean' ? declared : null,
        confidential: input['confidential'] !== undefined,
      };
    });
}

/** Administrators launch a cycle of a deployed procedure: its declared inputs as a form, money in 元. */
export function LaunchCyclePage() {
  const i18n = useI18n();
  const { t, text } = i18n;
  const { hasRole } = useSession();
  const navigate = useNavigate();
  const [form] = Form.useForm();
  const [key, setKey] = useState<string>();
  const [failure, setFailure] = useState<ApiFailure>();
  const [busy, setBusy] = useState(false);
  // One request id per intended launch: a double click or a retry after a lost answer launches once.
  const requestId = useRef(crypto.randomUUID());
  const definitions = useApi(() => unwrap(api.GET('/definitions', { params: { query: {} } })), []);
  const procedures = (definitions.data?.definitions ?? []).filter((d) => d.kind === 'Procedure');
  const chosen = procedures.find((d) => d.key === key);
  const version = useApi(async () => (chosen ? unwrap(api.GET('/definitions/{key}/versions/{version}', { params: { path: { key: chosen.key, version: chosen.version } } })) : undefined), [chosen?.key, chosen?.version]);
  const fields = useMemo(() => (version.data ? inputFieldsOf(version.data.definition) : []), [version.data]);
  // The declared defaults, shown filled in (money in 元), as soon as the procedure's inputs are known.
  useEffect(() => {
    if (fields.length > 0) form.setFieldsValue({ fields: initialValues(fields) });
  }, [fields, form]);

  if (!hasRole(ADMINISTRATOR_ROLE)) return <Result status="403" title={t('launch.onlyAdministrators')} />;

  const launch = async (values: { title?: string; fields?: Record<string, unknown> }) => {
    if (!chosen) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const launched = await unwrap(
        api.POST('/cycles', {
          body: { definitionKey: chosen.key, requestId: requestId.current, inputs: toDecisionFields(fields, values.fields ?? {}), ...(values.title?.trim() ? { title: values.title.trim() } : {}) },
        }),
      );
      void navigate(`/cycles/${encodeURIComponent(launched.cycleId)}`);
    } catch (error) {
      const refused = error instanceof ApiFailure ? error : new ApiFailure(0, undefined);
      setFailure(refused);
      // Only an answer that never came may be the same launch again; any other answer needs a new request.
      if (refused.status !== 0 && refused.status !== 503 && refused.status !== 504) requestId.current = crypto.randomUUID();
    } finally {
      setBusy(false);
    }
  };
  // The API names inputs `inputs.<id>`; the renderer asks for `fields.<id>`.
  const problems = (path: string) => failure?.problemsOf(path.replace(/^fields\./, 'inputs.')) ?? [];

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('launch.title')}
      </Typography.Title>
      {definitions.error && <ErrorNotice error={definitions.error} onRetry={definitions.reload} />}
      {failure && failure.status !== 422 && <ErrorNotice error={failure} />}
      <Card>
        <Form form={form} layout="vertical" onFinish={(values) => void launch(values as { title?: string; fields?: Record<string, unknown> })}>
          <Form.Item label={t('launch.definition')} htmlFor="launch-definition" required>
            <Select
              id="launch-definition"
              loading={definitions.loading}
              value={key}
              onChange={(value: string) => {
                setKey(value);
                setFailure(undefined);
                form.resetFields();
              }}
              options={procedures.map((d) => ({ value: d.key, label: `${text(d.title)} (${d.key} v${d.version})` }))}
            />
          </Form.Item>
          <Form.Item name="title" label={t('launch.cycleTitle')} {...(failure?.problemsOf('title').length ? { validateStatus: 'error' as const, help: failure.problemsOf('title').join('; ') } : {})}>
            <Input maxLength={200} />
          </Form.Item>
          {chosen && (
            <fieldset className="pf-fieldset">
              <legend>{t('launch.inputs')}</legend>
              {version.loading && !version.data ? (
                <Skeleton active paragraph={{ rows: 3 }} />
              ) : fields.length === 0 ? (
                <Empty description={t('launch.noInputs')} />
              ) : (
                <DefinitionFields key={chosen.key} fields={fields} i18n={i18n} problems={problems} />
              )}
            </fieldset>
          )}
          {failure?.status === 422 && <ErrorNotice error={failure} />}
          <Button type="primary" htmlType="submit" loading={busy} disabled={!chosen || !version.data}>
            {t('launch.submit')}
          </Button>
        </Form>
      </Card>
    </>
  );
}
