import { Alert, Button, Card, Empty, Form, Grid, Input, List, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { type I18n, useI18n } from '../../i18n/index.js';
import { StepName } from '../cycles/shared.js';
import type { Task } from './task-text.js';

/** A task's step by its title in the definition its cycle runs. */
function TaskStep({ task }: { task: Task }) {
  return <StepName definition={{ key: task.cycle.definitionKey, version: task.cycle.definitionVersion }} stepId={task.stepId} />;
}

/** What the task page hands back after a decision, to say what happened. */
export interface DecidedState {
  readonly decided?: { readonly title: string; readonly outcome: string };
}

const PAGE_SIZE = 20;
/** The inbox asks for every open task at once (the API's page limit), so that filters' choices and paging are over all of them. */
const ALL = 500;

const taskPath = (task: Task) => `/tasks/${encodeURIComponent(task.id)}`;

function DueCell({ task, i18n }: { task: Task; i18n: I18n }) {
  const { t, dateTime } = i18n;
  if (!task.dueAt) return <Typography.Text type="secondary">{t('inbox.noDue')}</Typography.Text>;
  return (
    <Space orientation="vertical" size={0}>
      <span>{dateTime(task.dueAt)}</span>
      {task.overdue && (
        <Tag color="error">
          {task.overdueWorkingDays !== null
            ? t('inbox.overdueDays', { days: i18n.number(task.overdueWorkingDays) })
            : task.overdueDueAt
              ? t('inbox.overdueSince', { date: i18n.date(task.overdueDueAt) })
              : t('inbox.overdue')}
        </Tag>
      )}
    </Space>
  );
}

/** My open tasks: soonest due first, overdue ones marked, filtered by step, cycle and due date; cards on a phone. */
export function InboxPage() {
  const i18n = useI18n();
  const { t, text } = i18n;
  const screens = Grid.useBreakpoint();
  const location = useLocation();
  const decided = (location.state as DecidedState | null)?.decided;
  const [step, setStep] = useState<string>();
  const [cycleId, setCycleId] = useState<string>();
  const [dueBefore, setDueBefore] = useState('');
  const [latestFirst, setLatestFirst] = useState(false);
  const [page, setPage] = useState(1);

  // Every open task, for the filters' choices; the filtered list is the API's answer to the filters.
  const everything = useApi(() => unwrap(api.GET('/tasks', { params: { query: { limit: ALL } } })), []);
  const filtered = useApi(
    () =>
      unwrap(
        api.GET('/tasks', {
          params: {
            query: {
              limit: ALL,
              ...(step ? { step } : {}),
              ...(cycleId ? { cycleId } : {}),
              // The end of the chosen day in China time: "due before 3 March" includes tasks due on 2 March.
              ...(dueBefore ? { dueBefore: new Date(`${dueBefore}T00:00:00+08:00`).toISOString() } : {}),
            },
          },
        }),
      ),
    [step, cycleId, dueBefore],
  );

  const steps = useMemo(() => [...new Set((everything.data?.tasks ?? []).map((task) => task.stepId))].sort(), [everything.data]);
  const cycles = useMemo(() => {
    const byId = new Map<string, Task['cycle']>();
    for (const task of everything.data?.tasks ?? []) byId.set(task.cycle.id, task.cycle);
    return [...byId.values()];
  }, [everything.data]);
  const tasks = useMemo(() => {
    const list = [...(filtered.data?.tasks ?? [])];
    // The API lists soonest due first and undated tasks last; the other order reverses the dated ones only.
    if (latestFirst) {
      const dated = list.filter((task) => task.dueAt).reverse();
      return [...dated, ...list.filter((task) => !task.dueAt)];
    }
    return list;
  }, [filtered.data, latestFirst]);
  const filtering = Boolean(step || cycleId || dueBefore);
  const shown = tasks.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const pagination = { current: page, pageSize: PAGE_SIZE, total: tasks.length, onChange: setPage, showSizeChanger: false, showTotal: (count: number) => t('inbox.count', { count }) };

  const filters = (
    <Form layout={screens.md ? 'inline' : 'vertical'} className="pf-inbox-filters">
      <Form.Item label={t('inbox.filterStep')} htmlFor="pf-filter-step">
        <Select
          id="pf-filter-step"
          allowClear
          placeholder={t('inbox.filterAll')}
          value={step}
          onChange={(value?: string) => (setStep(value), setPage(1))}
          options={steps.map((id) => {
            const example = everything.data?.tasks.find((task) => task.stepId === id);
            return { value: id, label: example ? <TaskStep task={example} /> : id };
          })}
          style={{ minWidth: 160 }}
        />
      </Form.Item>
      <Form.Item label={t('inbox.filterCycle')} htmlFor="pf-filter-cycle">
        <Select
          id="pf-filter-cycle"
          allowClear
          placeholder={t('inbox.filterAll')}
          value={cycleId}
          onChange={(value?: string) => (setCycleId(value), setPage(1))}
          options={cycles.map((cycle) => ({ value: cycle.id, label: text(cycle.title) }))}
          style={{ minWidth: 200, maxWidth: '100%' }}
        />
      </Form.Item>
      <Form.Item label={t('inbox.filterDueBefore')} htmlFor="pf-filter-due">
        <Input id="pf-filter-due" type="date" value={dueBefore} onChange={(event) => (setDueBefore(event.target.value), setPage(1))} />
      </Form.Item>
      <Form.Item label={t('inbox.sortDue')} htmlFor="pf-sort-due">
        <Select
          id="pf-sort-due"
          value={latestFirst ? 'latest' : 'soonest'}
          onChange={(value: string) => setLatestFirst(value === 'latest')}
          options={[
            { value: 'soonest', label: t('inbox.sortSoonest') },
            { value: 'latest', label: t('inbox.sortLatest') },
          ]}
          style={{ minWidth: 150 }}
        />
      </Form.Item>
      {filtering && (
        <Form.Item>
          <Button onClick={() => (setStep(undefined), setCycleId(undefined), setDueBefore(''), setPage(1))}>{t('inbox.clearFilters')}</Button>
        </Form.Item>
      )}
    </Form>
  );

  let body;
  if (filtered.error) body = <ErrorNotice error={filtered.error} onRetry={filtered.reload} />;
  else if (!filtered.data) body = <Skeleton active className="pf-inbox-loading" paragraph={{ rows: 6 }} />;
  else if (tasks.length === 0) body = <Empty description={filtering ? t('inbox.emptyFiltered') : t('inbox.empty')} />;
  else if (!screens.md)
    body = (
      <List
        dataSource={shown}
        pagination={pagination}
        renderItem={(task) => (
          <List.Item key={task.id}>
            <Card size="small" className={task.overdue ? 'pf-task-card pf-overdue' : 'pf-task-card'} title={<Link to={taskPath(task)}>{text(task.title)}</Link>}>
              <div>{text(task.cycle.title)}</div>
              <div>
                <Typography.Text type="secondary">{t('inbox.colStep')}：</Typography.Text>
                <TaskStep task={task} />
              </div>
              <DueCell task={task} i18n={i18n} />
            </Card>
          </List.Item>
        )}
      />
    );
  else
    body = (
      <Table<Task>
        rowKey="id"
        dataSource={tasks}
        loading={filtered.loading}
        rowClassName={(task) => (task.overdue ? 'pf-overdue' : '')}
        pagination={pagination}
        columns={[
          { key: 'title', title: t('inbox.colTask'), render: (_, task) => <Link to={taskPath(task)}>{text(task.title)}</Link> },
          { key: 'cycle', title: t('inbox.colCycle'), render: (_, task) => text(task.cycle.title) },
          { key: 'step', title: t('inbox.colStep'), render: (_, task) => <TaskStep task={task} /> },
          { key: 'role', title: t('inbox.colRole'), dataIndex: 'role' },
          { key: 'due', title: t('inbox.colDue'), render: (_, task) => <DueCell task={task} i18n={i18n} /> },
        ]}
      />
    );

  return (
    <div className="pf-tasks">
      <Typography.Title level={1} className="pf-page-title">
        {t('inbox.title')}
      </Typography.Title>
      {decided && <Alert type="success" showIcon className="pf-section-gap" title={t('inbox.decided', decided)} />}
      {filters}
      <div className="pf-section">{body}</div>
    </div>
  );
}
