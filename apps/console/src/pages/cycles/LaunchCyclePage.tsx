import { Button, Card, Empty, Form, Input, Result, Select, Skeleton, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { compiledDefinition, inputFieldsOf } from '../../api/definitions.js';
import { unwrap } from '../../api/errors.js';
import { useOnce } from '../../api/use-once.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { DefinitionFields, initialValues, toDecisionFields } from '../../forms/definition-form.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { ADMINISTRATOR_ROLE } from './shared.js';

/** Administrators launch a cycle of a deployed procedure: its declared inputs as a form, money in 元. */
export function LaunchCyclePage() {
  const i18n = useI18n();
  const { t, text } = i18n;
  const { hasRole } = useSession();
  const navigate = useNavigate();
  const [form] = Form.useForm();
  const [key, setKey] = useState<string>();
  // A double click or a retry after a lost answer launches once.
  const launching = useOnce<string>();
  const { failure } = launching;
  const definitions = useApi(() => unwrap(api.GET('/definitions', { params: { query: {} } })), []);
  const procedures = (definitions.data?.definitions ?? []).filter((d) => d.kind === 'Procedure');
  const chosen = procedures.find((d) => d.key === key);
  const version = useApi(async () => (chosen ? compiledDefinition(chosen.key, chosen.version) : undefined), [chosen?.key, chosen?.version]);
  const fields = useMemo(() => (version.data ? inputFieldsOf(version.data) : []), [version.data]);
  // The declared defaults, shown filled in (money in 元), as soon as the procedure's inputs are known.
  useEffect(() => {
    if (fields.length > 0) form.setFieldsValue({ fields: initialValues(fields) });
  }, [fields, form]);

  if (!hasRole(ADMINISTRATOR_ROLE)) return <Result status="403" title={t('launch.onlyAdministrators')} />;

  const launch = async (values: { title?: string; fields?: Record<string, unknown> }) => {
    if (!chosen) return;
    const cycleId = await launching.send(async (requestId) => {
      const launched = await unwrap(
        api.POST('/cycles', {
          body: { definitionKey: chosen.key, requestId, inputs: toDecisionFields(fields, values.fields ?? {}), ...(values.title?.trim() ? { title: values.title.trim() } : {}) },
        }),
      );
      return launched.cycleId;
    });
    if (cycleId) void navigate(`/cycles/${encodeURIComponent(cycleId)}`);
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
                launching.clear();
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
          <Button type="primary" htmlType="submit" loading={launching.busy} disabled={!chosen || !version.data}>
            {t('launch.submit')}
          </Button>
        </Form>
      </Card>
    </>
  );
}
