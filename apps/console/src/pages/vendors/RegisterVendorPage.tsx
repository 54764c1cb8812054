import { Button, Card, Empty, Form, Input, Select, Skeleton, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { ApiFailure, unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n, type MessageKey } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { problemProps } from './ActionDialog.js';
import { loadCriteria, type Vendor } from './requirements.js';

type RegistrationType = Vendor['registrationType'];
/** The API's registration types (its enum), in its order. */
const REGISTRATION_TYPES: readonly RegistrationType[] = [
  'socialGroup',
  'socialServiceAgency',
  'foundation',
  'exemptSocialOrganisation',
  'enterprise',
  'otherInstitution',
] satisfies RegistrationType[];

interface EvidenceInput {
  document: string;
  validUntil: string;
  note: string;
}

/**
 * Registering a vendor (administrators): its name, credit code and registration type, and a document per
 * qualification criterion of the procedures deployed for the jurisdiction. Problems the API names
 * (`evidence.<n>.document`, `creditCode`, …) are shown next to their fields.
 */
export function RegisterVendorPage() {
  const { t, text } = useI18n();
  const { user } = useSession();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [creditCode, setCreditCode] = useState('');
  const [registrationType, setRegistrationType] = useState<RegistrationType>('socialServiceAgency');
  const [jurisdiction, setJurisdiction] = useState('');
  const [evidence, setEvidence] = useState<Record<string, EvidenceInput>>({});
  const [local, setLocal] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiFailure>();
  const [busy, setBusy] = useState(false);
  // The criteria are loaded for the registry once the user leaves the field, not on every keystroke.
  const [chosenRegistry, setChosenRegistry] = useState('');
  const target = chosenRegistry || user?.jurisdiction || '';
  const criteria = useApi(() => (target ? loadCriteria(target) : Promise.resolve([])), [target]);

  const field = (criterionId: string): EvidenceInput => evidence[criterionId] ?? { document: '', validUntil: '', note: '' };
  const edit = (criterionId: string, change: Partial<EvidenceInput>) => setEvidence((all) => ({ ...all, [criterionId]: { ...field(criterionId), ...change } }));

  const submit = async () => {
    const filed = (criteria.data ?? []).filter((c) => field(c.id).document.trim() !== '');
    const problems: Record<string, string> = {};
    if (name.trim() === '') problems['name'] = t('register.required');
    if (creditCode.trim() === '') problems['creditCode'] = t('register.required');
    if (filed.length === 0) problems['evidence'] = t('register.needOne');
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const vendor = await unwrap(
        api.POST('/vendors', {
          body: {
            name: name.trim(),
            creditCode: creditCode.trim(),
            registrationType,
            ...(jurisdiction.trim() ? { jurisdiction: jurisdiction.trim() } : {}),
            evidence: filed.map((c) => {
              const input = field(c.id);
              return { criterionId: c.id, document: input.document.trim(), ...(input.validUntil.trim() ? { validUntil: input.validUntil.trim() } : {}), ...(input.note.trim() ? { note: input.note.trim() } : {}) };
            }),
          },
        }),
      );
      void navigate(`/vendors/${vendor.id}`);
    } catch (error) {
      setFailure(error instanceof ApiFailure ? error : new ApiFailure(0, undefined));
    } finally {
      setBusy(false);
    }
  };

  // The API names evidence problems by their index in the array sent, which lists only the filed criteria.
  const filedIndex = (criterionId: string) => (criteria.data ?? []).filter((c) => field(c.id).document.trim() !== '').findIndex((c) => c.id === criterionId);

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('register.title')}
      </Typography.Title>
      {failure && (
        <div className="pf-toolbar">
          <ErrorNotice error={failure} />
        </div>
      )}
      <Card>
        <Form layout="vertical" onSubmitCapture={(event) => event.preventDefault()}>
          <Form.Item label={t('vendors.name')} htmlFor="vendor-name" required {...problemProps(failure, 'name', local['name'])}>
            <Input id="vendor-name" maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
          </Form.Item>
          <Form.Item label={t('vendors.creditCode')} htmlFor="vendor-credit-code" required {...problemProps(failure, 'creditCode', local['creditCode'])}>
            <Input id="vendor-credit-code" maxLength={18} value={creditCode} onChange={(event) => setCreditCode(event.target.value)} />
          </Form.Item>
          <Form.Item label={t('vendors.registrationType')} htmlFor="vendor-registration-type" required {...problemProps(failure, 'registrationType')}>
            <Select
              id="vendor-registration-type"
              value={registrationType}
              onChange={(value: RegistrationType) => setRegistrationType(value)}
              options={REGISTRATION_TYPES.map((type) => ({ value: type, label: t(`registration.${type}` as MessageKey) }))}
            />
          </Form.Item>
          <Form.Item label={t('register.jurisdiction')} htmlFor="vendor-jurisdiction" {...problemProps(failure, 'jurisdiction')}>
            <Input
              id="vendor-jurisdiction"
              placeholder={user?.jurisdiction}
              value={jurisdiction}
              onChange={(event) => setJurisdiction(event.target.value)}
              onBlur={() => setChosenRegistry(jurisdiction.trim())}
            />
          </Form.Item>
          <Typography.Title level={2} className="pf-section-title">
            {t('vendor.evidence')}
          </Typography.Title>
          <Typography.Paragraph type={local['evidence'] ? 'danger' : 'secondary'}>{local['evidence'] ?? t('register.evidenceHint')}</Typography.Paragraph>
          {criteria.error && <ErrorNotice error={criteria.error} onRetry={criteria.reload} />}
          {criteria.loading && <Skeleton active paragraph={{ rows: 4 }} />}
          {!criteria.loading && criteria.data?.length === 0 && <Empty description={t('register.noCriteria')} />}
          {!criteria.loading &&
            criteria.data?.map((criterion) => {
              const title = criterion.title ? text(criterion.title) : criterion.id;
              const index = filedIndex(criterion.id);
              const at = index >= 0 ? `evidence.${index}` : undefined;
              return (
                <fieldset key={criterion.id} className="pf-fieldset">
                  <legend>{t('register.evidenceFor', { criterion: title })}</legend>
                  <Form.Item label={t('vendor.document')} htmlFor={`evidence-${criterion.id}-document`} {...(at ? problemProps(failure, `${at}.document`) : {})}>
                    <Input id={`evidence-${criterion.id}-document`} maxLength={500} value={field(criterion.id).document} onChange={(event) => edit(criterion.id, { document: event.target.value })} />
                  </Form.Item>
                  <Form.Item label={t('vendor.validUntil')} htmlFor={`evidence-${criterion.id}-valid-until`} extra={t('register.validUntilHint')} {...(at ? problemProps(failure, `${at}.validUntil`) : {})}>
                    <Input id={`evidence-${criterion.id}-valid-until`} placeholder="2026-12-31" value={field(criterion.id).validUntil} onChange={(event) => edit(criterion.id, { validUntil: event.target.value })} />
                  </Form.Item>
                </fieldset>
              );
            })}
          <Button type="primary" loading={busy} onClick={() => void submit()}>
            {t('register.submit')}
          </Button>
        </Form>
      </Card>
    </>
  );
}
