import { Alert, Button, Card, Checkbox, Descriptions, Empty, Input, Form, Radio, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useReturnFocus } from '../../components/return-focus.js';
import { useI18n, type MessageKey } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { ActionDialog, problemProps } from './ActionDialog.js';
import { COLOURS, criterionState, loadCriteria, REGISTRAR_ROLE, STATE_COLOURS, SUSPENDER_ROLES, type Criterion, type Evidence, type Vendor } from './requirements.js';
import { VendorStatusTags } from './VendorsPage.js';

type Evaluation = components['schemas']['VendorEvaluationDto'];
type StaffMember = components['schemas']['StaffDto'];

interface CriterionRow {
  readonly id: string;
  readonly criterion: Criterion | undefined;
  readonly evidence: Evidence | undefined;
}

type Dialog = { kind: 'verify' } | { kind: 'suspend' } | { kind: 'reinstate' } | { kind: 'evidence'; criterionId: string; title: string };

/** A day typed as YYYY-MM-DD, or undefined when the field was left blank. */
function optionalDay(value: string): string | undefined {
  return value.trim() === '' ? undefined : value.trim();
}

/**
 * One vendor: its facts and status, its evidence per qualification criterion (the criteria and their
 * titles come from the deployed procedures of its jurisdiction), and the actions the user's roles may
 * take — filing evidence, verifying or rejecting it, suspending and reinstating — each in a dialog that
 * shows the API's refusal. Below: its performance evaluations and its staff, where the API shows them.
 */
export function VendorPage() {
  const { id = '' } = useParams();
  const { t, text, dateTime, date, number } = useI18n();
  const { hasRole } = useSession();
  const vendor = useApi(() => unwrap(api.GET('/vendors/{id}', { params: { path: { id } } })), [id]);
  const jurisdiction = vendor.data?.jurisdiction;
  const criteria = useApi(() => (jurisdiction ? loadCriteria(jurisdiction) : Promise.resolve([])), [jurisdiction]);
  const history = useApi(() => unwrap(api.GET('/vendors/{id}/history', { params: { path: { id } } })), [id]);
  const staff = useApi(() => unwrap(api.GET('/vendors/{id}/staff', { params: { path: { id } } })), [id]);
  const [dialog, setDialog] = useState<Dialog>();
  const openingDialog = useReturnFocus(dialog !== undefined);
  const openDialog = (next: Dialog) => {
    openingDialog();
    setDialog(next);
  };
  const [done, setDone] = useState<string>();

  const v = vendor.data;
  const known = criteria.data ?? [];
  const rows: CriterionRow[] = [
    ...known.map((criterion) => ({ id: criterion.id, criterion, evidence: v?.evidence.find((e) => e.criterionId === criterion.id) })),
    // Evidence for a criterion no deployed procedure names any more is still on file: show it too.
    ...(v?.evidence ?? []).filter((e) => !known.some((c) => c.id === e.criterionId)).map((evidence) => ({ id: evidence.criterionId, criterion: undefined, evidence })),
  ];
  const titleOf = (row: CriterionRow) => (row.criterion?.title ? text(row.criterion.title) : row.id);
  const verifierRoles = [...new Set(known.flatMap((c) => c.verifiedBy))].filter((role) => hasRole(role));
  const reinstaters = v?.reinstatementRole ? [v.reinstatementRole] : [...SUSPENDER_ROLES];

  // The API answers with the vendor as it now is; loading it again keeps one path for what the page shows.
  const finished = (action: string) => {
    setDone(t('vendor.done', { action }));
    vendor.reload();
  };

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {v?.name ?? '\u00a0'}
      </Typography.Title>
      {vendor.error && <ErrorNotice error={vendor.error} onRetry={vendor.reload} />}
      {!vendor.error && (
        <>
          <Card>
            <div className="pf-facts">
              {v ? (
                <Descriptions size="small" column={{ xs: 1, md: 2 }}>
                  <Descriptions.Item label={t('vendors.status')}>
                    <VendorStatusTags vendor={v} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('vendors.creditCode')}>
                    <code>{v.creditCode}</code>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('vendors.jurisdiction')}>{v.jurisdiction}</Descriptions.Item>
                  <Descriptions.Item label={t('vendors.registrationType')}>{t(`registration.${v.registrationType}` as MessageKey)}</Descriptions.Item>
                  <Descriptions.Item label={t('vendors.registeredBy')}>
                    {v.registeredBy} · {dateTime(v.registeredAt)}
                  </Descriptions.Item>
                  {v.verifiedBy && v.verifiedAt && (
                    <Descriptions.Item label={t('vendor.lastDecision')}>
                      {t('vendor.lastDecisionText', { by: v.verifiedBy, at: dateTime(v.verifiedAt) })}
                      {v.verificationComment ? ` — ${v.verificationComment}` : ''}
                    </Descriptions.Item>
                  )}
                  {v.suspended && (
                    <Descriptions.Item label={t('vendor.suspension')}>
                      {t('vendor.suspendedText', { by: v.suspendedBy ?? '', at: v.suspendedAt ? dateTime(v.suspendedAt) : '', reason: v.suspensionReason ?? '' })}
                    </Descriptions.Item>
                  )}
                  {v.suspended && <Descriptions.Item label={t('vendor.reinstatementRole')}>{v.reinstatementRole ?? t('vendor.reinstatementDefault')}</Descriptions.Item>}
                </Descriptions>
              ) : (
                <Skeleton active paragraph={{ rows: 3 }} />
              )}
            </div>
            {v && (
              <Space wrap className="pf-section" role="group" aria-label={t('vendor.actions')}>
                {verifierRoles.length > 0 && (
                  <Button type="primary" onClick={() => openDialog({ kind: 'verify' })}>
                    {t('vendor.verify')}
                  </Button>
                )}
                {!v.suspended && hasRole(...SUSPENDER_ROLES) && (
                  <Button danger onClick={() => openDialog({ kind: 'suspend' })}>
                    {t('vendor.suspend')}
                  </Button>
                )}
                {v.suspended && hasRole(...reinstaters) && <Button onClick={() => openDialog({ kind: 'reinstate' })}>{t('vendor.reinstate')}</Button>}
              </Space>
            )}
            <div aria-live="polite">{done && <Alert className="pf-section" type="success" showIcon title={done} closable={{ onClose: () => setDone(undefined) }} />}</div>
          </Card>

          <Card className="pf-section">
            <Typography.Title level={2} className="pf-section-title">
              {t('vendor.evidence')}
            </Typography.Title>
            {criteria.error && <ErrorNotice error={criteria.error} onRetry={criteria.reload} />}
            <Table<CriterionRow>
              rowKey="id"
              size="small"
              pagination={false}
              loading={!v || criteria.loading}
              dataSource={rows}
              scroll={{ x: 900 }}
              locale={{ emptyText: !v || criteria.loading ? ' ' : <Empty description={t('register.noCriteria')} /> }}
              columns={[
                {
                  title: t('vendor.criterion'),
                  render: (_, row) => (
                    <>
                      <div>{titleOf(row)}</div>
                      <Typography.Text type="secondary" className="pf-criterion-id">
                        {row.id}
                      </Typography.Text>
                    </>
                  ),
                },
                {
                  title: t('vendors.status'),
                  width: 100,
                  render: (_, row) => {
                    const state = criterionState(row.evidence);
                    return <Tag variant="solid" color={STATE_COLOURS[state]}>{t(`status.${state}` as MessageKey)}</Tag>;
                  },
                },
                {
                  title: t('vendor.document'),
                  render: (_, row) =>
                    row.evidence ? (
                      <>
                        <div>{row.evidence.document}</div>
                        {row.evidence.note && <Typography.Text type="secondary">{row.evidence.note}</Typography.Text>}
                      </>
                    ) : (
                      '—'
                    ),
                },
                { title: t('vendor.validUntil'), width: 130, render: (_, row) => (row.evidence ? (row.evidence.validUntil ? date(row.evidence.validUntil) : t('vendor.noExpiry')) : '—') },
                {
                  title: t('vendor.findings'),
                  render: (_, row) => (
                    <>
                      {row.evidence?.verifications.map((finding, index) => (
                        <div key={index}>{t('vendor.verifiedByRole', { role: finding.role, by: finding.by, at: dateTime(finding.at) })}</div>
                      ))}
                      {row.evidence?.rejection && (
                        <div className="pf-rejection">
                          {t('vendor.rejectedByRole', { role: row.evidence.rejection.role, by: row.evidence.rejection.by, at: dateTime(row.evidence.rejection.at), comment: row.evidence.rejection.comment })}
                        </div>
                      )}
                    </>
                  ),
                },
                ...(hasRole(REGISTRAR_ROLE)
                  ? [
                      {
                        title: t('vendor.actions'),
                        width: 120,
                        render: (_: unknown, row: CriterionRow) => (
                          <Button size="small" aria-label={t('vendor.fileEvidenceFor', { criterion: titleOf(row) })} onClick={() => openDialog({ kind: 'evidence', criterionId: row.id, title: titleOf(row) })}>
                            {t('vendor.fileEvidence')}
                          </Button>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          </Card>

          <Card className="pf-section">
            <Typography.Title level={2} className="pf-section-title">
              {t('vendor.history')}
            </Typography.Title>
            {history.error && <ErrorNotice error={history.error} onRetry={history.reload} />}
            {history.data && history.data.evaluations.length > 0 && (
              <Typography.Paragraph>
                {t('vendor.historySummary', { count: number(history.data.summary.count), last: number(history.data.summary.lastScore), mean: number(history.data.summary.meanScore) })}
              </Typography.Paragraph>
            )}
            {!history.error && (
              <Table<Evaluation>
                rowKey={(e) => `${e.contractId}:${e.period ?? 'all'}:${e.evaluatedAt}`}
                size="small"
                pagination={false}
                loading={history.loading}
                dataSource={history.data?.evaluations ?? []}
                scroll={{ x: 800 }}
                locale={{ emptyText: history.loading ? ' ' : <Empty description={t('vendor.historyEmpty')} /> }}
                columns={[
                  { title: t('vendor.evaluatedAt'), dataIndex: 'evaluatedAt', render: (at: string) => dateTime(at) },
                  { title: t('vendor.procedure'), render: (_, e) => `${e.definitionKey} v${e.definitionVersion}` },
                  { title: t('vendor.period'), render: (_, e) => (e.period === null ? '—' : e.periodThrough ? `${e.period}–${e.periodThrough}` : String(e.period)) },
                  { title: t('vendor.score'), align: 'right', render: (_, e) => number(e.score) },
                  { title: t('vendor.grade'), render: (_, e) => (e.grade ? text(e.grade.label) : '—') },
                  { title: t('vendor.result'), render: (_, e) => <Tag variant="solid" color={e.passed ? COLOURS.good : COLOURS.bad}>{t(e.passed ? 'vendor.passed' : 'vendor.failed')}</Tag> },
                ]}
              />
            )}
          </Card>

          <Card className="pf-section">
            <Typography.Title level={2} className="pf-section-title">
              {t('vendor.staff')}
            </Typography.Title>
            {staff.error?.status === 403 ? (
              <Typography.Paragraph type="secondary">{t('vendor.staffHidden')}</Typography.Paragraph>
            ) : staff.error ? (
              <ErrorNotice error={staff.error} onRetry={staff.reload} />
            ) : (
              <Table<StaffMember>
                rowKey="id"
                size="small"
                pagination={false}
                loading={staff.loading}
                dataSource={staff.data?.staff ?? []}
                scroll={{ x: 700 }}
                locale={{ emptyText: staff.loading ? ' ' : <Empty description={t('vendor.staffEmpty')} /> }}
                columns={[
                  { title: t('vendor.staffName'), dataIndex: 'name' },
                  { title: t('vendor.staffKind'), dataIndex: 'kind', render: (kind: string) => t(`staffKind.${kind}` as MessageKey) },
                  { title: t('vendor.staffQualification'), dataIndex: 'qualification' },
                  { title: t('vendor.staffJoined'), dataIndex: 'joinedOn', render: (day: string) => date(day) },
                  { title: t('vendor.staffCases'), dataIndex: 'activeCases', align: 'right', render: (n: number) => number(n) },
                  { title: t('vendors.status'), render: (_, member) => <Tag variant="solid" color={member.current ? COLOURS.good : '#595959'}>{t(member.current ? 'vendor.staffCurrent' : 'vendor.staffLeft')}</Tag> },
                ]}
              />
            )}
          </Card>

          {v && dialog?.kind === 'verify' && (
            <VerifyDialog vendor={v} criteria={known} roles={verifierRoles} onClose={() => setDialog(undefined)} onDone={() => finished(t('vendor.verify'))} />
          )}
          {v && (dialog?.kind === 'suspend' || dialog?.kind === 'reinstate') && (
            <ReasonDialog vendor={v} action={dialog.kind} onClose={() => setDialog(undefined)} onDone={() => finished(t(dialog.kind === 'suspend' ? 'vendor.suspend' : 'vendor.reinstate'))} />
          )}
          {v && dialog?.kind === 'evidence' && (
            <EvidenceDialog vendor={v} criterionId={dialog.criterionId} title={dialog.title} onClose={() => setDialog(undefined)} onDone={() => finished(t('vendor.fileEvidence'))} />
          )}
        </>
      )}
    </>
  );
}

interface DialogProps {
  readonly vendor: Vendor;
  onClose(): void;
  onDone(): void;
}

/** Verify or reject the evidence of criteria, in one of the roles the procedures name and the user holds. */
function VerifyDialog({ vendor, criteria, roles, onClose, onDone }: DialogProps & { criteria: readonly Criterion[]; roles: readonly string[] }) {
  const { t, text } = useI18n();
  const [decision, setDecision] = useState<'verified' | 'rejected'>('verified');
  const [role, setRole] = useState(roles[0] ?? '');
  const verifiable = criteria.filter((c) => c.verifiedBy.includes(role) && vendor.evidence.some((e) => e.criterionId === c.id));
  const [chosen, setChosen] = useState<string[]>(() => verifiable.map((c) => c.id));
  const [comment, setComment] = useState('');
  const [missingComment, setMissingComment] = useState(false);

  const submit = async () => {
    if (decision === 'rejected' && comment.trim() === '') {
      setMissingComment(true);
      return false;
    }
    setMissingComment(false);
    await unwrap(
      api.POST('/vendors/{id}/verification', {
        params: { path: { id: vendor.id } },
        body: { decision, role, ...(chosen.length > 0 ? { criteria: chosen } : {}), ...(comment.trim() ? { comment: comment.trim() } : {}) },
      }),
    );
    onDone();
    return true;
  };

  return (
    <ActionDialog title={t('vendor.verifyTitle')} open onClose={onClose} submit={submit}>
      {(failure) => (
        <>
          <Form.Item label={t('vendor.decision')} required {...problemProps(failure, 'decision')}>
            <Radio.Group
              value={decision}
              onChange={(event) => setDecision(event.target.value as 'verified' | 'rejected')}
              options={[
                { value: 'verified', label: t('vendor.decision.verified') },
                { value: 'rejected', label: t('vendor.decision.rejected') },
              ]}
            />
          </Form.Item>
          <Form.Item label={t('vendor.role')} htmlFor="verify-role" {...problemProps(failure, 'role')}>
            <Select
              id="verify-role"
              value={role}
              onChange={(value: string) => {
                setRole(value);
                setChosen(criteria.filter((c) => c.verifiedBy.includes(value) && vendor.evidence.some((e) => e.criterionId === c.id)).map((c) => c.id));
              }}
              options={roles.map((r) => ({ value: r, label: r }))}
            />
          </Form.Item>
          <Form.Item label={t('vendor.criteria')} {...problemProps(failure, 'criteria')}>
            <Checkbox.Group
              className="pf-checkbox-column"
              value={chosen}
              onChange={(values) => setChosen(values)}
              options={verifiable.map((c) => ({ value: c.id, label: c.title ? text(c.title) : c.id }))}
            />
          </Form.Item>
          <Form.Item label={t('vendor.comment')} htmlFor="verify-comment" required={decision === 'rejected'} {...problemProps(failure, 'comment', missingComment ? t('vendor.commentRequired') : undefined)}>
            <Input.TextArea id="verify-comment" rows={3} maxLength={2000} value={comment} onChange={(event) => setComment(event.target.value)} />
          </Form.Item>
        </>
      )}
    </ActionDialog>
  );
}

/** Suspend or reinstate, with the reason the API requires. */
function ReasonDialog({ vendor, action, onClose, onDone }: DialogProps & { action: 'suspend' | 'reinstate' }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const submit = async () => {
    if (reason.trim() === '') {
      setMissing(true);
      return false;
    }
    setMissing(false);
    const options = { params: { path: { id: vendor.id } }, body: { reason: reason.trim() } };
    await unwrap(action === 'suspend' ? api.POST('/vendors/{id}/suspension', options) : api.POST('/vendors/{id}/reinstatement', options));
    onDone();
    return true;
  };
  return (
    <ActionDialog title={t(action === 'suspend' ? 'vendor.suspendTitle' : 'vendor.reinstateTitle')} open onClose={onClose} submit={submit}>
      {(failure) => (
        <Form.Item label={t('vendor.reason')} htmlFor="vendor-reason" required {...problemProps(failure, 'reason', missing ? t('vendor.reasonRequired') : undefined)}>
          <Input.TextArea id="vendor-reason" rows={3} maxLength={2000} value={reason} onChange={(event) => setReason(event.target.value)} />
        </Form.Item>
      )}
    </ActionDialog>
  );
}

/** File a new document for one criterion; the criterion then waits for verification again. */
function EvidenceDialog({ vendor, criterionId, title, onClose, onDone }: DialogProps & { criterionId: string; title: string }) {
  const { t } = useI18n();
  const [document, setDocument] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const submit = async () => {
    if (document.trim() === '') {
      setMissing(true);
      return false;
    }
    setMissing(false);
    const day = optionalDay(validUntil);
    await unwrap(
      api.POST('/vendors/{id}/evidence', {
        params: { path: { id: vendor.id } },
        body: { criterionId, document: document.trim(), ...(day ? { validUntil: day } : {}), ...(note.trim() ? { note: note.trim() } : {}) },
      }),
    );
    onDone();
    return true;
  };
  return (
    <ActionDialog title={t('vendor.fileEvidenceFor', { criterion: title })} open onClose={onClose} submit={submit}>
      {(failure) => (
        <>
          <Form.Item label={t('vendor.document')} htmlFor="evidence-document" required {...problemProps(failure, 'document', missing ? t('register.required') : undefined)}>
            <Input id="evidence-document" maxLength={500} value={document} onChange={(event) => setDocument(event.target.value)} />
          </Form.Item>
          <Form.Item label={t('vendor.validUntil')} htmlFor="evidence-valid-until" extra={t('register.validUntilHint')} {...problemProps(failure, 'validUntil')}>
            <Input id="evidence-valid-until" value={validUntil} placeholder="2026-12-31" onChange={(event) => setValidUntil(event.target.value)} />
          </Form.Item>
          <Form.Item label={t('vendor.note')} htmlFor="evidence-note" {...problemProps(failure, 'note')}>
            <Input.TextArea id="evidence-note" rows={2} maxLength={2000} value={note} onChange={(event) => setNote(event.target.value)} />
          </Form.Item>
        </>
      )}
    </ActionDialog>
  );
}
