import { Alert, Button, Card, Descriptions, Empty, Form, Input, Modal, Progress, Select, Skeleton, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { type LifecycleEvent, type LifecycleOutline, useLifecycle } from '../../api/definitions.js';
import { unwrap } from '../../api/errors.js';
import { useOnce } from '../../api/use-once.js';
import type { components } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { DefinitionFields, toDecisionFields, withAnswers } from '../../forms/definition-form.js';
import { type I18n, useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { StatusTag } from '../cycles/shared.js';
import { ReasonModal } from '../ops/ReasonModal.js';
import { VendorName } from '../vendors/VendorName.js';
import { caseRolesOf, recordableEvents } from './recordable-events.js';
import { caseLabel } from './shared.js';

type Case = components['schemas']['CaseDetailDto'];
type CaseTask = components['schemas']['CaseTaskDto'];

/** The roles that assign a case's staff besides the serving vendor's own staff (the API's rule). */
const ASSIGNING_ROLES = ['judicial-office', 'administrator'];

/** China Standard Time, in which the lifecycle counts its periods and the console shows every date. */
const CHINA_OFFSET = '+08:00';

const titleOr = (i18n: I18n, title: { zh: string; en: string } | undefined, id: string) => (title ? i18n.text(title) : id);

/** A lifecycle's states in order, each marked passed, current or other: where the case is and where it has been. */
function Stages({ lifecycle, data }: { lifecycle: LifecycleOutline; data: Case }) {
  const i18n = useI18n();
  const passed = new Set(data.timeline.flatMap((entry) => [entry.stateBefore, entry.stateAfter]));
  return (
    <ol className="pf-stages">
      {lifecycle.states.map((state) => {
        const mark = state.id === data.state ? 'current' : passed.has(state.id) ? 'done' : 'other';
        return (
          <li key={state.id} data-state={state.id} data-mark={mark} className={`pf-stage pf-stage-${mark}`}>
            <span className="pf-stage-title">{titleOr(i18n, state.title, state.id)}</span>
            <span className="pf-stage-mark">{i18n.t(mark === 'current' ? 'case.stateCurrent' : mark === 'done' ? 'case.stateDone' : 'case.stateOther')}</span>
          </li>
        );
      })}
    </ol>
  );
}

function Obligations({ data }: { data: Case }) {
  const i18n = useI18n();
  const { t, text, dateTime, number } = i18n;
  if (data.liveUnavailable) return <Alert type="warning" showIcon title={t('case.liveUnavailable', { reason: data.liveUnavailable })} />;
  if (data.obligations.length === 0) return <Empty description={t('case.noObligations')} />;
  return (
    <Table
      className="pf-table"
      rowKey="id"
      pagination={false}
      dataSource={data.obligations}
      scroll={{ x: 700 }}
      columns={[
        { title: t('case.obligation'), key: 'title', render: (_, o) => text(o.title) },
        {
          title: t('case.progress'),
          key: 'progress',
          render: (_, o) => (
            <Space>
              <Progress percent={Math.min(100, Math.round((o.total / Math.max(1, o.required)) * 100))} size="small" showInfo={false} style={{ width: 96 }} aria-hidden />
              <span>
                {number(o.total)} / {number(o.required)}
              </span>
            </Space>
          ),
        },
        { title: t('case.periodEnds'), key: 'ends', render: (_, o) => (o.periodEndsAt ? dateTime(o.periodEndsAt) : t('case.perState')) },
        {
          title: t('cases.col.status'),
          key: 'met',
          render: (_, o) =>
            !o.applies ? (
              <StatusTag status="inapplicable" label={t('case.notApplicable')} />
            ) : o.met ? (
              <StatusTag status="met" label={t('case.met')} />
            ) : (
              <StatusTag status="unmet" label={t('case.notMet')} />
            ),
        },
      ]}
    />
  );
}

/** `datetime-local` gives a wall-clock time without a zone; the console's times are China time, so that is the zone it means. */
function instantOf(local: string | undefined): string | undefined {
  const value = local?.trim();
  if (!value) return undefined;
  return `${value.length === 16 ? `${value}:00` : value}${CHINA_OFFSET}`;
}

interface RecordValues {
  event?: string;
  at?: string;
  fields?: Record<string, unknown>;
}

/**
 * Records evidence or a step: the events the case's current state accepts that the user's roles may record,
 * each with its declared fields as a form. A refused event says why next to the field the API names.
 */
function RecordEvent({ data, events, stateTitle, onRecorded }: { data: Case; events: readonly LifecycleEvent[]; stateTitle: (id: string) => string; onRecorded: (message: string) => void }) {
  const i18n = useI18n();
  const { t, text } = i18n;
  const [form] = Form.useForm<RecordValues>();
  const [chosen, setChosen] = useState<string | undefined>(events[0]?.id);
  // Sending again after a lost answer records the event once.
  const recording = useOnce<components['schemas']['CaseEventAnswerDto']>();
  const { failure } = recording;
  const event = events.find((e) => e.id === chosen);

  if (events.length === 0) return <Typography.Paragraph type="secondary">{t('case.nothingToRecord')}</Typography.Paragraph>;

  const record = async (values: RecordValues) => {
    if (!event) return;
    const at = instantOf(values.at);
    const answer = await recording.send((requestId) =>
      unwrap(
        api.POST('/cases/{id}/events', {
          params: { path: { id: data.id } },
          body: { type: event.id, payload: toDecisionFields(event.fields, values.fields ?? {}), requestId, ...(at ? { at } : {}) },
        }),
      ),
    );
    if (!answer) return;
    // The next event starts afresh, with its declared answers (a reset alone would leave its yes/no fields unanswered).
    form.resetFields(['fields', 'at']);
    form.setFieldValue('fields', withAnswers(event.fields));
    onRecorded(t('case.recorded', { event: titleOr(i18n, event.title, event.id), state: stateTitle(answer.state) }));
  };
  // The API names the event's fields `payload.<id>`; the renderer asks for `fields.<id>`.
  const problems = (path: string) => failure?.problemsOf(path.replace(/^fields\./, 'payload.')) ?? [];
  const atProblems = failure?.problemsOf('at') ?? [];

  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={{ event: chosen, fields: event ? withAnswers(event.fields) : {} }}
      onFinish={(values) => void record(values)}
      onValuesChange={(changed: RecordValues) => {
        // Another event or other values are another action: not a retry of the last one under its request id.
        recording.clear();
        if (changed.event) {
          setChosen(changed.event);
          const next = events.find((e) => e.id === changed.event);
          form.setFieldValue('fields', next ? withAnswers(next.fields) : {});
        }
      }}
    >
      <Typography.Paragraph type="secondary">{t('case.recordHint')}</Typography.Paragraph>
      <Form.Item name="event" label={t('case.event')} required>
        <Select options={events.map((e) => ({ value: e.id, label: e.title ? text(e.title) : e.id }))} />
      </Form.Item>
      {event && <DefinitionFields key={event.id} fields={event.fields} i18n={i18n} problems={problems} />}
      <Form.Item name="at" label={t('case.at')} extra={t('case.atHint')} {...(atProblems.length > 0 ? { validateStatus: 'error' as const, help: atProblems.join('; ') } : {})}>
        <Input type="datetime-local" />
      </Form.Item>
      {/* Always, even when every problem is shown at its field: the notice carries the correlation id. */}
      {failure && (
        <div className="pf-section-gap">
          <ErrorNotice error={failure} />
        </div>
      )}
      <Button type="primary" htmlType="submit" loading={recording.busy}>
        {t('case.recordSubmit')}
      </Button>
    </Form>
  );
}

function Tasks({ data, lifecycle, roles, onClosed }: { data: Case; lifecycle: LifecycleOutline | undefined; roles: Set<string>; onClosed: () => void }) {
  const i18n = useI18n();
  const { t, text, dateTime } = i18n;
  const [closing, setClosing] = useState<CaseTask>();
  if (data.tasks.length === 0) return <Empty description={t('case.noTasks')} />;
  const roleTitle = (id: string) => titleOr(i18n, lifecycle?.roles.find((role) => role.id === id)?.title, id);
  return (
    <>
      <Table
        className="pf-table"
        rowKey="id"
        pagination={false}
        dataSource={data.tasks}
        scroll={{ x: 700 }}
        columns={[
          { title: t('case.task.title'), key: 'title', render: (_, task) => text(task.title) },
          { title: t('case.task.role'), key: 'role', render: (_, task) => roleTitle(task.role) },
          { title: t('case.task.due'), key: 'due', render: (_, task) => (task.dueAt ? dateTime(task.dueAt) : '—') },
          {
            title: t('case.task.status'),
            key: 'status',
            render: (_, task) => (
              <Space orientation="vertical" size={0}>
                <Tag color={task.status === 'open' ? 'blue' : 'default'}>{t(`case.task.${task.status}` as const)}</Tag>
                {task.comment && <Typography.Text type="secondary">{task.comment}</Typography.Text>}
              </Space>
            ),
          },
          {
            title: '',
            key: 'action',
            render: (_, task) =>
              task.status === 'open' && roles.has(task.role) && data.status === 'running' ? <Button onClick={() => setClosing(task)}>{t('case.task.close')}</Button> : null,
          },
        ]}
      />
      {closing && (
        <ReasonModal
          title={t('case.task.closeTitle', { task: text(closing.title) })}
          explain={`${text(closing.title)} · ${roleTitle(closing.role)}`}
          reasonText={{ label: 'case.task.comment', required: 'case.task.commentRequired' }}
          submit={async (values, requestId) => {
            await unwrap(api.POST('/cases/{id}/tasks/{taskId}', { params: { path: { id: data.id, taskId: closing.id } }, body: { comment: values.reason.trim(), requestId } }));
            return t('case.task.closed', { task: text(closing.title) });
          }}
          close={(done) => {
            setClosing(undefined);
            if (done) onClosed();
          }}
        />
      )}
    </>
  );
}

/** Who serves the case, and for those allowed, a dialog choosing them from the serving vendor's current staff. */
function Assignment({ data, mayAssign, onAssigned }: { data: Case; mayAssign: boolean; onAssigned: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const { socialWorker, volunteers } = data.assignment;
  const named = (member: { name: string; leftOn: string | null }) => (member.leftOn ? `${member.name}（${t('case.withdrawnFromCase')} ${member.leftOn}）` : member.name);
  return (
    <>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('case.socialWorker')}>{socialWorker ? named(socialWorker) : t('case.unassigned')}</Descriptions.Item>
        <Descriptions.Item label={t('case.volunteers')}>{volunteers.length > 0 ? volunteers.map(named).join('、') : t('case.unassigned')}</Descriptions.Item>
      </Descriptions>
      {mayAssign && data.vendorId && (
        <Button onClick={() => setOpen(true)} className="pf-section-gap">
          {t('case.assign')}
        </Button>
      )}
      {open && data.vendorId && (
        <AssignDialog
          data={data}
          vendorId={data.vendorId}
          close={(done) => {
            setOpen(false);
            if (done) onAssigned();
          }}
        />
      )}
    </>
  );
}

function AssignDialog({ data, vendorId, close }: { data: Case; vendorId: string; close: (done: boolean) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ socialWorkerId?: string; volunteerIds?: string[] }>();
  const assigning = useOnce<components['schemas']['CaseAssignmentDto']>();
  const { failure } = assigning;
  const staff = useApi(() => unwrap(api.GET('/vendors/{id}/staff', { params: { path: { id: vendorId } } })), [vendorId]);
  const current = (staff.data?.staff ?? []).filter((member) => member.current);
  const optionsOf = (kind: 'socialWorker' | 'volunteer') => current.filter((member) => member.kind === kind).map((member) => ({ value: member.id, label: member.name }));

  const save = async () => {
    let values: { socialWorkerId?: string; volunteerIds?: string[] };
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    const assigned = await assigning.send((requestId) =>
      unwrap(
        api.POST('/cases/{id}/assignment', {
          params: { path: { id: data.id } },
          body: { socialWorkerId: values.socialWorkerId ?? '', volunteerIds: values.volunteerIds ?? [], requestId },
        }),
      ),
    );
    if (assigned) close(true);
  };

  return (
    <Modal open title={t('case.assignTitle')} onOk={() => void save()} onCancel={() => close(false)} okText={t('case.assignSubmit')} confirmLoading={assigning.busy} maskClosable={false} destroyOnHidden>
      {staff.error && <ErrorNotice error={staff.error} onRetry={staff.reload} />}
      {staff.loading && !staff.data ? (
        <Skeleton active paragraph={{ rows: 2 }} />
      ) : (
        <Form
          form={form}
          layout="vertical"
          // Other staff chosen are another assignment: not a retry of the last one under its request id.
          onValuesChange={() => assigning.clear()}
          initialValues={{ socialWorkerId: data.assignment.socialWorker?.staffId, volunteerIds: data.assignment.volunteers.map((member) => member.staffId) }}
        >
          <Form.Item
            name="socialWorkerId"
            label={t('case.socialWorker')}
            rules={[{ required: true, message: t('case.noStaff', { kind: t('case.socialWorker') }) }]}
            {...(failure?.problemsOf('socialWorkerId').length ? { validateStatus: 'error' as const, help: failure.problemsOf('socialWorkerId').join('; ') } : {})}
          >
            <Select options={optionsOf('socialWorker')} notFoundContent={t('case.noStaff', { kind: t('case.socialWorker') })} />
          </Form.Item>
          <Form.Item name="volunteerIds" label={t('case.volunteers')} {...(failure?.problemsOf('volunteerIds').length ? { validateStatus: 'error' as const, help: failure.problemsOf('volunteerIds').join('; ') } : {})}>
            <Select mode="multiple" options={optionsOf('volunteer')} notFoundContent={t('case.noStaff', { kind: t('case.volunteers') })} />
          </Form.Item>
        </Form>
      )}
      {failure && <ErrorNotice error={failure} />}
    </Modal>
  );
}

function Record({ data, lifecycle }: { data: Case; lifecycle: LifecycleOutline | undefined }) {
  const i18n = useI18n();
  const { t, dateTime } = i18n;
  if (data.timeline.length === 0) return <Empty description={t('case.noTimeline')} />;
  const eventOf = (type: string) => lifecycle?.events.find((e) => e.id === type);
  const stateTitle = (id: string) => titleOr(i18n, lifecycle?.states.find((s) => s.id === id)?.title, id);
  const roleTitle = (id: string) => titleOr(i18n, lifecycle?.roles.find((r) => r.id === id)?.title, id);
  return (
    <Timeline
      items={[...data.timeline].reverse().map((entry) => {
        const declared = eventOf(entry.type);
        // `attributes.updated` withholds confidential attributes as `attributes.<id>`.
        const fieldTitle = (id: string) =>
          id.startsWith('attributes.')
            ? titleOr(i18n, lifecycle?.attributes.find((a) => `attributes.${a.id}` === id)?.title, id)
            : titleOr(i18n, declared?.fields.find((f) => f.id === id)?.title, id);
        const payload = Object.entries(entry.payload);
        return {
          key: entry.seq,
          content: (
            <Space orientation="vertical" size={2}>
              <Space wrap>
                <Typography.Text strong>{declared?.title ? i18n.text(declared.title) : entry.type}</Typography.Text>
                <span>{dateTime(entry.at)}</span>
                <Typography.Text type="secondary">{t('case.by', { name: entry.actorName, role: roleTitle(entry.role) })}</Typography.Text>
                {entry.stateBefore !== entry.stateAfter && (
                  <Tag>
                    {stateTitle(entry.stateBefore)} → {stateTitle(entry.stateAfter)}
                  </Tag>
                )}
              </Space>
              {payload.length > 0 && (
                <Typography.Text>
                  {payload.map(([id, value]) => `${fieldTitle(id)}: ${typeof value === 'boolean' ? (value ? '✓' : '✗') : String(value)}`).join('；')}
                </Typography.Text>
              )}
              {entry.withheld.length > 0 && <Typography.Text type="secondary">{t('case.withheld', { fields: entry.withheld.map(fieldTitle).join('、') })}</Typography.Text>}
            </Space>
          ),
        };
      })}
    />
  );
}

function Periods({ data, lifecycle }: { data: Case; lifecycle: LifecycleOutline | undefined }) {
  const i18n = useI18n();
  const { t, date, number } = i18n;
  const obligationTitle = (id: string) => titleOr(i18n, lifecycle?.obligations.find((o) => o.id === id)?.title, id);
  const span = (from: string | null, to: string | null) => `${from ? date(from) : '—'} – ${to ? date(to) : '—'}`;
  return (
    <>
      <Typography.Title level={3} className="pf-card-title">
        {t('case.periods')}
      </Typography.Title>
      <Table
        className="pf-table"
        rowKey={(p) => `${p.obligation}/${p.state}/${p.period ?? 'state'}`}
        pagination={{ pageSize: 12, hideOnSinglePage: true }}
        dataSource={data.periods}
        locale={{ emptyText: <Empty description={t('case.noPeriods')} /> }}
        scroll={{ x: 700 }}
        columns={[
          { title: t('case.obligation'), key: 'obligation', render: (_, p) => obligationTitle(p.obligation) },
          { title: t('case.period'), key: 'period', render: (_, p) => `${span(p.startedAt, p.endedAt)}${p.partial ? ` (${t('case.partial')})` : ''}` },
          { title: t('case.progress'), key: 'progress', render: (_, p) => `${number(p.total)} / ${number(p.required)}` },
          { title: t('cases.col.status'), key: 'met', render: (_, p) => (p.met ? <StatusTag status="met" label={t('case.met')} /> : <StatusTag status="missed" label={t('case.notMet')} />) },
        ]}
      />
      <Typography.Title level={3} className="pf-card-title pf-section">
        {t('case.breaches')}
      </Typography.Title>
      <Table
        className="pf-table"
        rowKey={(b) => `${b.obligation}/${b.state}/${b.period ?? 'state'}`}
        pagination={false}
        dataSource={data.breaches}
        locale={{ emptyText: <Empty description={t('case.noBreaches')} /> }}
        scroll={{ x: 700 }}
        columns={[
          { title: t('case.obligation'), key: 'obligation', render: (_, b) => obligationTitle(b.obligation) },
          { title: t('case.period'), key: 'period', render: (_, b) => span(b.startedAt, b.endedAt) },
          { title: t('case.progress'), key: 'progress', render: (_, b) => `${number(b.total)} / ${number(b.required)}` },
          { title: t('case.task.title'), key: 'task', render: (_, b) => b.taskId ?? '—' },
        ]}
      />
    </>
  );
}

/**
 * One supervised person's case: where it stands in its lifecycle, what the current stage requires and how
 * far the evidence goes, recording evidence (by those its lifecycle lets record it), follow-up tasks of
 * missed obligations, who serves it, closed periods and breaches, and everything recorded — confidential
 * fields only for the roles the lifecycle names (the API withholds them; the page says what it withheld).
 */
export function CasePage() {
  const i18n = useI18n();
  const { t, text, dateTime } = i18n;
  const { user } = useSession();
  const { id = '' } = useParams();
  const found = useApi(() => unwrap(api.GET('/cases/{id}', { params: { path: { id } } })), [id]);
  // useApi keeps the last answer while the next loads: after following a link to another case, that is the
  // previous case's, which must not show under this address.
  const data = found.data?.id === id ? found.data : undefined;
  // Likewise an error that came before this case's request answered is the previous case's.
  const error = data || !found.loading ? found.error : undefined;
  const lifecycle = useLifecycle(data?.lifecycleKey, data?.lifecycleVersion);
  const [notice, setNotice] = useState<string>();
  const outline = lifecycle.data;
  const roles = useMemo(() => (outline && user ? caseRolesOf(outline, user) : new Set<string>()), [outline, user]);
  const recordable = useMemo(() => (outline && user && data && data.status === 'running' ? recordableEvents(outline, user, data) : []), [outline, user, data]);

  if (!data) return error ? <ErrorNotice error={error} onRetry={found.reload} /> : <Skeleton active paragraph={{ rows: 10 }} />;

  const servesIt = Boolean(user?.vendorId) && user?.vendorId === data.vendorId;
  const mayAssign = data.status === 'running' && (servesIt || ASSIGNING_ROLES.some((role) => user?.roles.includes(role)));
  const attributeTitle = (attributeId: string) => titleOr(i18n, outline?.attributes.find((a) => a.id === attributeId)?.title, attributeId);
  const sectionTitle = (key: Parameters<typeof t>[0]) => (
    <Typography.Title level={2} className="pf-card-title">
      {t(key)}
    </Typography.Title>
  );

  return (
    <>
      <Link to="/cases">{t('case.back')}</Link>
      <Typography.Title level={1} className="pf-page-title">
        {t('case.title', { id: caseLabel(data.id) })}
      </Typography.Title>
      {notice && <Alert type="success" showIcon role="status" className="pf-toolbar" title={notice} closable={{ onClose: () => setNotice(undefined) }} />}
      {/* A reload that failed (after recording, closing a task, assigning) leaves the case as last read: say so. */}
      {error && (
        <div className="pf-toolbar">
          <ErrorNotice error={error} onRetry={found.reload} />
        </div>
      )}
      <Card>
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('case.state')}>
            {titleOr(i18n, outline?.states.find((s) => s.id === data.state)?.title, data.state)}
            {data.final ? ` ${t('case.final')}` : ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('cases.col.status')}>
            <StatusTag status={data.status} label={t(`caseStatus.${data.status}` as const)} />
          </Descriptions.Item>
          <Descriptions.Item label={t('case.lifecycle')}>
            {outline?.title ? text(outline.title) : data.lifecycleKey} (v{data.lifecycleVersion})
          </Descriptions.Item>
          <Descriptions.Item label={t('case.vendor')}>{data.vendorId ? <VendorName id={data.vendorId} /> : t('cases.noVendor')}</Descriptions.Item>
          {data.contractId && <Descriptions.Item label={t('case.contract')}>{data.contractId}</Descriptions.Item>}
          <Descriptions.Item label={t('case.enrolled')}>
            {dateTime(data.enrolledAt)} · {data.enrolledBy}
          </Descriptions.Item>
          {data.endedAt && <Descriptions.Item label={t('case.ended')}>{dateTime(data.endedAt)}</Descriptions.Item>}
          {data.endReason && <Descriptions.Item label={t('case.endReason')}>{data.endReason}</Descriptions.Item>}
          {Object.entries(data.attributes).map(([attributeId, value]) => (
            <Descriptions.Item key={attributeId} label={attributeTitle(attributeId)}>
              {typeof value === 'boolean' ? (value ? '✓' : '✗') : String(value)}
            </Descriptions.Item>
          ))}
          {/* The API holds back the confidential attributes the user's roles may not read, and names them. */}
          {data.withheldAttributes.map((attributeId) => (
            <Descriptions.Item key={attributeId} label={attributeTitle(attributeId)}>
              <Typography.Text type="secondary" data-withheld-attribute={attributeId}>
                {t('case.attributeWithheld')}
              </Typography.Text>
            </Descriptions.Item>
          ))}
        </Descriptions>
      </Card>
      <Card className="pf-section" title={sectionTitle('case.states')}>
        {lifecycle.error && <ErrorNotice error={lifecycle.error} onRetry={lifecycle.reload} />}
        {outline ? <Stages lifecycle={outline} data={data} /> : <Skeleton active paragraph={{ rows: 1 }} />}
      </Card>
      <Card className="pf-section" title={sectionTitle('case.obligations')}>
        <Obligations data={data} />
      </Card>
      {data.status === 'running' && (
        <Card className="pf-section" title={sectionTitle('case.record')}>
          {outline ? (
            <RecordEvent
              key={`${data.state}/${recordable.map((e) => e.id).join(',')}`}
              data={data}
              events={recordable}
              stateTitle={(stateId) => titleOr(i18n, outline.states.find((s) => s.id === stateId)?.title, stateId)}
              onRecorded={(message) => {
                setNotice(message);
                found.reload();
              }}
            />
          ) : (
            <Skeleton active paragraph={{ rows: 3 }} />
          )}
        </Card>
      )}
      <Card className="pf-section">
        <Tabs
          items={[
            { key: 'timeline', label: t('case.timeline'), children: <Record data={data} lifecycle={outline} /> },
            { key: 'tasks', label: t('case.tasks'), children: <Tasks data={data} lifecycle={outline} roles={roles} onClosed={found.reload} /> },
            { key: 'assignment', label: t('case.assignment'), children: <Assignment data={data} mayAssign={mayAssign} onAssigned={found.reload} /> },
            { key: 'periods', label: t('case.periods'), children: <Periods data={data} lifecycle={outline} /> },
          ]}
        />
      </Card>
    </>
  );
}
