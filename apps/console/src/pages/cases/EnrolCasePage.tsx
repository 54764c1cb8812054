import { Button, Card, Empty, Form, Input, Result, Select, Skeleton, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { useLifecycle } from '../../api/definitions.js';
import { unwrap } from '../../api/errors.js';
import { useOnce } from '../../api/use-once.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { DefinitionFields, toDecisionFields, withAnswers } from '../../forms/definition-form.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { untilListed } from './shared.js';

interface EnrolValues {
  contractId?: string;
  fields?: Record<string, unknown>;
}

/**
 * The judicial office enrols a supervised person's case: under a deployed lifecycle (its newest version,
 * which the case keeps for life), with the attributes the lifecycle declares as a form, and optionally
 * the contract whose vendor serves it.
 */
export function EnrolCasePage() {
  const i18n = useI18n();
  const { t, text } = i18n;
  const { user } = useSession();
  const navigate = useNavigate();
  const [form] = Form.useForm<EnrolValues>();
  const [key, setKey] = useState<string>();
  // A double click or a retry after a lost answer opens one case.
  const enrolment = useOnce<string>();
  const { failure } = enrolment;
  const definitions = useApi(() => unwrap(api.GET('/definitions', { params: { query: {} } })), []);
  const lifecycles = (definitions.data?.definitions ?? []).filter((d) => d.kind === 'SupervisionLifecycle');
  const chosen = lifecycles.find((d) => d.key === key) ?? lifecycles[0];
  const outline = useLifecycle(chosen?.key, chosen?.version);
  const attributes = outline.data?.attributes;
  useEffect(() => {
    // The attributes' declared answers, a yes/no's "no" included: an untouched one is still sent.
    if (attributes) form.setFieldValue('fields', withAnswers(attributes));
  }, [attributes, form]);

  if (user?.vendorId) return <Result status="403" title={t('enrol.title')} subTitle={t('enrol.notForVendors')} />;

  const enrol = async (values: EnrolValues) => {
    if (!chosen || !attributes) return;
    const contractId = values.contractId?.trim();
    const caseId = await enrolment.send(async (requestId) => {
      const enrolled = await unwrap(
        api.POST('/cases', {
          body: { lifecycleKey: chosen.key, version: chosen.version, attributes: toDecisionFields(attributes, values.fields ?? {}), requestId, ...(contractId ? { contractId } : {}) },
        }),
      );
      // The case reaches the read model just after the answer; the case page opens once it is there.
      await untilListed(enrolled.caseId);
      return enrolled.caseId;
    });
    if (caseId) void navigate(`/cases/${encodeURIComponent(caseId)}`);
  };
  // The API names attributes `attributes.<id>`; the renderer asks for `fields.<id>`.
  const problems = (path: string) => failure?.problemsOf(path.replace(/^fields\./, 'attributes.')) ?? [];
  const contractProblems = failure?.problemsOf('contractId') ?? [];

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('enrol.title')}
      </Typography.Title>
      {definitions.error && <ErrorNotice error={definitions.error} onRetry={definitions.reload} />}
      {/* Always, even when every problem is shown at its field: the notice carries the correlation id. */}
      {failure && <ErrorNotice error={failure} />}
      <Card>
        {/* Other values in the form are another enrolment: not a retry of the last one under its request id. */}
        {definitions.data && lifecycles.length === 0 ? (
          <Empty description={t('enrol.noLifecycle')} />
        ) : (
          <Form form={form} layout="vertical" onFinish={(values) => void enrol(values)} onValuesChange={() => enrolment.clear()}>
            <Form.Item label={t('enrol.lifecycle')} htmlFor="enrol-lifecycle" extra={t('enrol.lifecycleHint')} required>
              <Select
                id="enrol-lifecycle"
                loading={definitions.loading}
                value={chosen?.key}
                onChange={(value: string) => {
                  if (value === chosen?.key) return;
                  setKey(value);
                  enrolment.clear();
                  form.resetFields();
                }}
                options={lifecycles.map((d) => ({ value: d.key, label: `${text(d.title)} (${d.key} v${d.version})` }))}
              />
            </Form.Item>
            <fieldset className="pf-fieldset">
              <legend>{t('enrol.attributes')}</legend>
              {!attributes ? (
                <Skeleton active paragraph={{ rows: 2 }} />
              ) : (
                <DefinitionFields key={chosen?.key} fields={attributes} i18n={i18n} problems={problems} />
              )}
            </fieldset>
            <Form.Item
              name="contractId"
              label={t('enrol.contract')}
              extra={t('enrol.contractHint')}
              {...(contractProblems.length > 0 ? { validateStatus: 'error' as const, help: contractProblems.join('; ') } : {})}
            >
              <Input maxLength={200} />
            </Form.Item>
            {/* Always enabled (enrol() waits for the attributes): a button turning from disabled to enabled fades its colours for a moment. */}
            <Button type="primary" htmlType="submit" loading={enrolment.busy}>
              {t('enrol.submit')}
            </Button>
          </Form>
        )}
      </Card>
    </>
  );
}
