import { Alert, Button, Card, Descriptions, Form, Input, Skeleton, Space, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { ApiFailure, unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useApi } from '../../api/use-api.js';
import { unanswered } from '../../api/use-once.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { compiledDefinition, taskFormFieldsOf, useProcedureOutline } from '../../api/definitions.js';
import { DefinitionFields, displayValue, initialValues, toDecisionFields } from '../../forms/definition-form.js';
import { type I18n, useI18n } from '../../i18n/index.js';
import { StepName } from '../cycles/shared.js';
import { useSession } from '../../session/session.js';
import type { DecidedState } from '../inbox/InboxPage.js';
import { type Outcome, outcomeLabel, type Task } from '../inbox/task-text.js';

type TaskForm = components['schemas']['TaskFormDto'];
type FormOutcome = TaskForm['outcomes'][number];

/** The button of an outcome says what it does next: "同意，本环节完成", "Return: back to “Draft the budget”". */
function outcomeButtonLabel(choice: FormOutcome, i18n: I18n): string {
  const outcome = outcomeLabel(choice.outcome, i18n);
  const next = choice.next;
  if (!next) return outcome;
  if (next.type === 'end') return i18n.t(next.endOutcome === 'terminated' ? 'next.cycleEnds' : 'next.stepDone', { outcome });
  if (!next.title) return i18n.t('next.onward', { outcome });
  return i18n.t(next.returns ? 'next.returnTo' : 'next.to', { outcome, title: i18n.text(next.title) });
}

function DecisionForm({ task, form, onDecided }: { task: Task; form: TaskForm; onDecided: (outcome: Outcome) => void }) {
  const i18n = useI18n();
  const { t, text } = i18n;
  const [antForm] = Form.useForm();
  const [failure, setFailure] = useState<ApiFailure>();
  const [commentProblem, setCommentProblem] = useState<string>();
  const [sending, setSending] = useState<Outcome>();
  // One request id per decision attempt: kept while a request is in flight and when it must be retried,
  // so a double click or a retry after a timeout is still one decision (the API makes the id idempotent).
  const attempt = useRef<{ outcome: Outcome; requestId: string } | undefined>(undefined);
  const needComment = form.outcomes.filter((choice) => choice.commentRequired);
  const problems = (path: string) => failure?.problemsOf(path) ?? [];

  async function decide(choice: FormOutcome) {
    if (sending) return;
    setFailure(undefined);
    setCommentProblem(undefined);
    const comment = String(antForm.getFieldValue('comment') ?? '').trim();
    let values: Record<string, unknown> = {};
    try {
      // Return and reject carry no form, so only submit and approve are held to it.
      const validated = (await antForm.validateFields(choice.fieldsChecked ? undefined : ['comment'])) as { fields?: Record<string, unknown> };
      values = validated.fields ?? {};
    } catch {
      if (choice.commentRequired && !comment) setCommentProblem(t('task.commentMissing', { outcome: outcomeLabel(choice.outcome, i18n) }));
      return;
    }
    if (choice.commentRequired && !comment) {
      setCommentProblem(t('task.commentMissing', { outcome: outcomeLabel(choice.outcome, i18n) }));
      return;
    }
    if (attempt.current?.outcome !== choice.outcome) attempt.current = { outcome: choice.outcome, requestId: crypto.randomUUID() };
    setSending(choice.outcome);
    try {
      await unwrap(
        api.POST('/tasks/{id}/decision', {
          params: { path: { id: task.id } },
          body: {
            requestId: attempt.current.requestId,
            outcome: choice.outcome,
            fields: choice.fieldsChecked ? toDecisionFields(form.fields, values) : {},
            ...(comment ? { comment } : {}),
          },
        }),
      );
      attempt.current = undefined;
      onDecided(choice.outcome);
    } catch (error) {
      const answer = error instanceof ApiFailure ? error : new ApiFailure(0, undefined);
      if (!unanswered(answer)) attempt.current = undefined;
      setFailure(answer);
    } finally {
      setSending(undefined);
    }
  }

  const commentErrors = [...(commentProblem ? [commentProblem] : []), ...problems('comment')];
  // Problems the API names for no field of this form (payload, outcome, the task itself) go above the buttons.
  const known = new Set(['comment', ...form.fields.map((field) => `fields.${field.id}`)]);
  const elsewhere = (failure?.body?.details ?? []).filter((detail) => !known.has(detail.field) && ![...known].some((field) => detail.field.startsWith(`${field}.`)));

  return (
    <Card title={<h2 className="pf-card-heading">{t('task.form')}</h2>} className="pf-section">
      {form.description && <Typography.Paragraph>{text(form.description)}</Typography.Paragraph>}
      <Form form={antForm} layout="vertical" initialValues={{ fields: initialValues(form.fields) }} requiredMark>
        {form.fields.length === 0 && <Typography.Paragraph type="secondary">{t('task.noFields')}</Typography.Paragraph>}
        <DefinitionFields fields={form.fields} i18n={i18n} problems={problems} />
        {form.checks.length > 0 && (
          <Alert
            type="info"
            className="pf-section-gap"
            title={t('task.checks')}
            description={
              <ul className="pf-plain-list">
                {form.checks.map((check) => (
                  <li key={check.zh}>{text(check)}</li>
                ))}
              </ul>
            }
          />
        )}
        <Form.Item
          name="comment"
          label={t('task.comment')}
          extra={needComment.length > 0 ? t('task.commentRequiredFor', { outcomes: needComment.map((choice) => outcomeLabel(choice.outcome, i18n)).join('、') }) : undefined}
          {...(commentErrors.length > 0 ? { validateStatus: 'error' as const, help: commentErrors.join('; ') } : {})}
        >
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={2000} />
        </Form.Item>
        {failure && (elsewhere.length > 0 || (failure.body?.details ?? []).length === 0) && (
          <div className="pf-section-gap">
            <ErrorNotice error={failure} />
          </div>
        )}
        <Space wrap>
          {form.outcomes.map((choice) => (
            <Button
              key={choice.outcome}
              type={choice.outcome === 'approve' || choice.outcome === 'submit' ? 'primary' : 'default'}
              danger={choice.outcome === 'reject'}
              loading={sending === choice.outcome}
              disabled={sending !== undefined && sending !== choice.outcome}
              onClick={() => void decide(choice)}
            >
              {outcomeButtonLabel(choice, i18n)}
            </Button>
          ))}
        </Space>
      </Form>
    </Card>
  );
}

function DecisionView({ task }: { task: Task }) {
  const i18n = useI18n();
  const { t, dateTime } = i18n;
  const { text } = i18n;
  const form = useApi(
    async () => taskFormFieldsOf(await compiledDefinition(task.cycle.definitionKey, task.cycle.definitionVersion), task.stepId, task.nodeId),
    [task.cycle.definitionKey, task.cycle.definitionVersion, task.stepId, task.nodeId],
  );
  const decision = task.decision;
  if (!decision) return <Alert type="info" showIcon className="pf-section" title={t('task.withdrawn')} />;
  const fields = Object.entries(decision.fields ?? {});
  // Until the definition is read (or should it fail), a field is named by its id and its value shown as recorded.
  const fieldOf = (id: string) => form.data?.find((field) => field.id === id);
  return (
    <Card title={<h2 className="pf-card-heading">{t('task.decision')}</h2>} className="pf-section">
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('task.decision')}>{outcomeLabel(decision.outcome, i18n)}</Descriptions.Item>
        <Descriptions.Item label={t('task.decidedBy')}>{decision.decidedByName ?? decision.decidedBy}</Descriptions.Item>
        {decision.decidedAt && <Descriptions.Item label={t('task.decidedAt')}>{dateTime(decision.decidedAt)}</Descriptions.Item>}
        {decision.comment && <Descriptions.Item label={t('task.comment')}>{decision.comment}</Descriptions.Item>}
        {fields.map(([id, value]) => (
          <Descriptions.Item key={id} label={fieldOf(id) ? text(fieldOf(id)?.title) : id}>
            {displayValue(fieldOf(id), value, i18n)}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
}

/** One task: what it is, its form rendered from the definition, one button per allowed decision; decided tasks read-only. */
export function TaskPage() {
  const i18n = useI18n();
  const { t, text, dateTime } = i18n;
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const task = useApi(() => unwrap(api.GET('/tasks/{id}', { params: { path: { id } } })), [id]);
  const { hasRole } = useSession();
  const open = task.data?.status === 'open';
  // The task's role (or a role it was escalated to) decides it; anyone else reads it. The API refuses
  // them anyway: the page only does not offer buttons that can only be refused.
  const mayDecide = task.data !== undefined && hasRole(task.data.role, ...task.data.escalatedTo);
  const outline = useProcedureOutline(task.data?.cycle.definitionKey, task.data?.cycle.definitionVersion);
  const roleName = (role: string) => {
    const title = outline.data?.roles.find((candidate) => candidate.id === role)?.title;
    return title ? text(title) : role;
  };
  const form = useApi(() => (open && mayDecide ? unwrap(api.GET('/tasks/{id}/form', { params: { path: { id } } })) : Promise.resolve(undefined)), [id, open, mayDecide]);

  const decided = (outcome: Outcome) => {
    const state: DecidedState = { decided: { title: text(task.data?.title), outcome: outcomeLabel(outcome, i18n) } };
    void navigate('/inbox', { state });
  };

  let body;
  if (task.error) body = <ErrorNotice error={task.error} onRetry={task.reload} />;
  else if (!task.data) body = <Skeleton active paragraph={{ rows: 8 }} className="pf-task-loading" />;
  else {
    const data = task.data;
    body = (
      <>
        <Card>
          <Descriptions column={{ xs: 1, md: 2 }} size="small">
            <Descriptions.Item label={t('task.cycle')}>{text(data.cycle.title)}</Descriptions.Item>
            <Descriptions.Item label={t('task.step')}>
              <StepName definition={{ key: data.cycle.definitionKey, version: data.cycle.definitionVersion }} stepId={data.stepId} />
            </Descriptions.Item>
            <Descriptions.Item label={t('task.role')}>{roleName(data.role)}</Descriptions.Item>
            <Descriptions.Item label={t('task.status')}>
              <Tag color={data.status === 'open' ? 'blue' : 'default'}>{t(`task.status.${data.status}` as const)}</Tag>
              {data.overdue && <Tag color="error">{t('inbox.overdue')}</Tag>}
            </Descriptions.Item>
            <Descriptions.Item label={t('task.opened')}>{dateTime(data.openedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('task.due')}>{data.dueAt ? dateTime(data.dueAt) : t('inbox.noDue')}</Descriptions.Item>
            {data.escalatedTo.length > 0 && <Descriptions.Item label={t('task.escalatedTo')}>{data.escalatedTo.map(roleName).join(', ')}</Descriptions.Item>}
          </Descriptions>
        </Card>
        {!open && <DecisionView task={data} />}
        {open && !mayDecide && <Alert type="info" showIcon className="pf-section" title={t('task.notYours', { role: roleName(data.role) })} />}
        {open && mayDecide && form.error && (
          <div className="pf-section">
            <ErrorNotice error={form.error} onRetry={form.reload} />
          </div>
        )}
        {open && mayDecide && !form.error && !form.data && <Skeleton active paragraph={{ rows: 5 }} className="pf-section" />}
        {open && form.data && !form.data.generic && <Alert type="info" showIcon className="pf-section" title={t('task.notDecidable', { kind: data.kind })} />}
        {open && form.data?.generic && <DecisionForm task={data} form={form.data} onDecided={decided} />}
      </>
    );
  }

  return (
    <div className="pf-tasks">
      <Link to="/inbox">{t('task.back')}</Link>
      <Typography.Title level={1} className="pf-page-title">
        {task.data ? text(task.data.title) : t('task.title')}
      </Typography.Title>
      {body}
    </div>
  );
}
