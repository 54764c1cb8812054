import { Button, Form, Input, InputNumber, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { useI18n } from '../../i18n/index.js';
import { useProcedureOutline } from '../../api/definitions.js';
import { FilterBar, useFilters } from './filters.js';
import { ReasonModal } from './ReasonModal.js';
import { ListState, OpsOnly, PROCESS_KINDS, usePaged, useOpsLabels, type ProcessKind } from './shared.js';

type OverdueItem = components['schemas']['OverdueItemDto'];
type Repair = { kind: 'extend' | 'reassign' | 'escalate'; item: OverdueItem };

const FILTERS = ['role', 'jurisdiction', 'definition', 'kind', 'overdueBy'] as const;

/** The roles the task's procedure declares, less vendors (a vendor's task cannot change hands) and its holder. */
function RoleSelect({ item }: { item: OverdueItem }) {
  const { t, text } = useI18n();
  const outline = useProcedureOutline(item.definitionKey, item.definitionVersion);
  const roles = (outline.data?.roles ?? []).filter((role) => role.id !== 'vendor' && role.id !== item.holder.role);
  return (
    <Form.Item name="role" label={t('ops.reassign.role')} rules={[{ required: true }]}>
      <Select loading={outline.loading} options={roles.map((role) => ({ value: role.id, label: role.title ? `${text(role.title)} (${role.id})` : role.id }))} />
    </Form.Item>
  );
}

function OverdueRepair({ repair, close }: { repair: Repair; close: (done: boolean) => void }) {
  const { t, text, dateTime } = useI18n();
  const { item } = repair;
  const task = text(item.title);
  const path = { params: { path: { id: item.id } } };
  if (repair.kind === 'extend') {
    return (
      <ReasonModal
        title={t('ops.extend.title')}
        explain={t('ops.extend.explain', { task, due: dateTime(item.dueAt) })}
        initialValues={{ by: 'workingDays', workingDays: 3 }}
        fields={
          <>
            <Form.Item name="by" label={t('ops.extend.by')}>
              <Radio.Group
                options={[
                  { value: 'workingDays', label: t('ops.extend.byWorkingDays') },
                  { value: 'until', label: t('ops.extend.byUntil') },
                ]}
              />
            </Form.Item>
            <Form.Item noStyle shouldUpdate={(before, after) => before['by'] !== after['by']}>
              {({ getFieldValue }) =>
                getFieldValue('by') === 'until' ? (
                  <Form.Item name="until" label={t('ops.extend.until')} extra={t('ops.extend.untilHint')} rules={[{ required: true, whitespace: true }]}>
                    <Input />
                  </Form.Item>
                ) : (
                  <Form.Item name="workingDays" label={t('ops.extend.workingDays')} rules={[{ required: true }]}>
                    <InputNumber min={1} max={250} precision={0} />
                  </Form.Item>
                )
              }
            </Form.Item>
          </>
        }
        submit={async (values, requestId) => {
          const body =
            values['by'] === 'until'
              ? { requestId, reason: values.reason, until: String(values['until']).trim() }
              : { requestId, reason: values.reason, workingDays: Number(values['workingDays']) };
          const result = await unwrap(api.POST('/ops/tasks/{id}/extension', { ...path, body }));
          return t('ops.repair.done', { what: `${t('ops.field.dueAt')} ${result.dueAt ? dateTime(result.dueAt) : '—'}` });
        }}
        close={close}
      />
    );
  }
  if (repair.kind === 'reassign') {
    return (
      <ReasonModal
        title={t('ops.reassign.title')}
        explain={t('ops.reassign.explain', { task, role: item.holder.role })}
        fields={<RoleSelect item={item} />}
        submit={async (values, requestId) => {
          const result = await unwrap(api.POST('/ops/tasks/{id}/reassignment', { ...path, body: { requestId, reason: values.reason, role: String(values['role']) } }));
          return t('ops.repair.done', { what: `${t('ops.field.role')} ${result.role}` });
        }}
        close={close}
      />
    );
  }
  return (
    <ReasonModal
      title={t('ops.escalate.title')}
      explain={t('ops.escalate.explain', { task, role: item.escalateTo ?? '' })}
      submit={async (values, requestId) => {
        const result = await unwrap(api.POST('/ops/tasks/{id}/escalation', { ...path, body: { requestId, reason: values.reason } }));
        return t('ops.repair.done', { what: `${t('ops.field.escalated')}: ${result.escalatedTo.join(', ')}` });
      }}
      close={close}
    />
  );
}

/** Open tasks past their due time, most late first, each with its repairs: extend, reassign, escalate. */
function OpsOverdue() {
  const { t, text, number, dateTime } = useI18n();
  const labels = useOpsLabels();
  const { values, key } = useFilters(FILTERS);
  const [at, setAt] = useState<string>();
  const [repair, setRepair] = useState<Repair>();
  const paged = usePaged<OverdueItem>(async (cursor) => {
    const overdueBy = values['overdueBy'] === undefined ? undefined : Number(values['overdueBy']);
    const page = await unwrap(
      api.GET('/ops/overdue', {
        params: { query: { role: values['role'], jurisdiction: values['jurisdiction'], definition: values['definition'], kind: values['kind'] as ProcessKind | undefined, overdueBy, cursor } },
      }),
    );
    setAt(page.at);
    return { items: page.items, nextCursor: page.nextCursor };
  }, key);

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('ops.overdue.title')}
      </Typography.Title>
      <FilterBar
        fields={[
          { name: 'role', label: 'ops.field.role' },
          { name: 'jurisdiction', label: 'ops.field.jurisdiction' },
          { name: 'definition', label: 'ops.field.definition' },
          { name: 'kind', label: 'ops.field.kind', options: PROCESS_KINDS.map((kind) => ({ value: kind, label: labels.kind(kind) })) },
          { name: 'overdueBy', label: 'ops.field.overdueBy', number: { min: 0, max: 1000 } },
        ]}
      />
      <div className="pf-section">
        {at && <Typography.Paragraph type="secondary">{t('ops.overdue.measuredAt', { at: dateTime(at) })}</Typography.Paragraph>}
        <ListState paged={paged} empty={t('ops.overdue.empty')}>
          <Table<OverdueItem>
            rowKey="id"
            size="small"
            pagination={false}
            scroll={{ x: 1100 }}
            dataSource={[...paged.items]}
            columns={[
              {
                title: t('ops.field.task'),
                key: 'task',
                render: (_, item) => (
                  <Space orientation="vertical" size={0}>
                    <span>{text(item.title)}</span>
                    <Link to={`/ops/processes/${encodeURIComponent(item.processId)}`}>{item.processId}</Link>
                    <Typography.Text type="secondary">
                      {labels.kind(item.processKind)} · {item.jurisdiction} · {item.definitionKey} v{item.definitionVersion}
                      {item.step ? ` · ${item.step}` : ''}
                    </Typography.Text>
                  </Space>
                ),
              },
              { title: t('ops.field.dueAt'), key: 'due', render: (_, item) => dateTime(item.dueAt) },
              {
                title: t('ops.field.late'),
                key: 'late',
                render: (_, item) =>
                  item.workingDaysLate === null ? (
                    <Tag color="magenta">{t('ops.lateHours', { hours: number(item.hoursLate), file: item.calendarMissing ?? '' })}</Tag>
                  ) : (
                    <Tag color="red">{t('ops.lateDays', { days: number(item.workingDaysLate), hours: number(item.hoursLate) })}</Tag>
                  ),
              },
              {
                title: t('ops.field.holder'),
                key: 'holder',
                render: (_, item) => (
                  <Space wrap size={4}>
                    <Tag>{item.holder.role}</Tag>
                    {item.holder.vendorName && <span>{item.holder.vendorName}</span>}
                    {item.holder.escalatedTo.map((role) => (
                      <Tag key={role} color="purple">
                        {role}
                      </Tag>
                    ))}
                  </Space>
                ),
              },
              { title: t('ops.field.escalateTo'), key: 'escalateTo', render: (_, item) => item.escalateTo ?? '—' },
              { title: t('ops.field.escalated'), key: 'escalated', render: (_, item) => (item.escalated ? t('ops.yes') : t('ops.no')) },
              {
                title: t('ops.field.actions'),
                key: 'actions',
                render: (_, item) => (
                  <Space wrap size={4}>
                    <Button size="small" onClick={() => setRepair({ kind: 'extend', item })}>
                      {t('ops.overdue.extend')}
                    </Button>
                    {!item.holder.vendorId && item.processKind !== 'case' && (
                      <Button size="small" onClick={() => setRepair({ kind: 'reassign', item })}>
                        {t('ops.overdue.reassign')}
                      </Button>
                    )}
                    {item.escalateTo && !item.escalated && (
                      <Button size="small" onClick={() => setRepair({ kind: 'escalate', item })}>
                        {t('ops.overdue.escalate')}
                      </Button>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        </ListState>
        {paged.hasMore && (
          <Button className="pf-section" onClick={paged.more} loading={paged.loadingMore}>
            {t('ops.more')}
          </Button>
        )}
      </div>
      {repair && (
        <OverdueRepair
          repair={repair}
          close={(done) => {
            setRepair(undefined);
            if (done) paged.reload();
          }}
        />
      )}
    </>
  );
}

export function OpsOverduePage() {
  return (
    <OpsOnly>
      <OpsOverdue />
    </OpsOnly>
  );
}
