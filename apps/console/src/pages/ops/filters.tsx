import { Button, Form, Input, InputNumber, Select, Space } from 'antd';
import { useEffect } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useI18n, type MessageKey } from '../../i18n/index.js';

export interface FilterField {
  readonly name: string;
  readonly label: MessageKey;
  /** Options of a select (value and its label); a text box when absent. */
  readonly options?: ReadonlyArray<{ value: string; label: string }>;
  readonly number?: { min: number; max: number };
}

/** The filters in the address, so a filtered list can be reloaded, bookmarked and shared. */
export function useFilters(names: readonly string[]): { values: Record<string, string>; key: string } {
  const [params] = useSearchParams();
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = params.get(name)?.trim();
    if (value) values[name] = value;
  }
  return { values, key: names.map((name) => `${name}=${values[name] ?? ''}`).join('&') };
}

/**
 * A filter bar: each field labelled; "filter" writes the values into the address (which reloads the list),
 * "clear" empties them. The API checks each value and names a wrong one in its 422.
 */
export function FilterBar({ fields }: { fields: readonly FilterField[] }) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<Record<string, string | number | undefined>>();
  useEffect(() => {
    form.setFieldsValue(Object.fromEntries(fields.map((field) => [field.name, params.get(field.name) ?? undefined])));
  }, [params, fields, form]);
  const apply = (values: Record<string, string | number | null | undefined>) => {
    const next = new URLSearchParams();
    for (const field of fields) {
      const value = values[field.name];
      if (value !== undefined && value !== null && String(value).trim() !== '') next.set(field.name, String(value).trim());
    }
    setParams(next);
  };
  return (
    <Form form={form} layout="inline" className="pf-ops-filters" onFinish={apply}>
      {fields.map((field) => (
        <Form.Item key={field.name} name={field.name} label={t(field.label)}>
          {field.options ? (
            <Select allowClear placeholder={t('ops.any')} options={[...field.options]} className="pf-ops-filter-select" />
          ) : field.number ? (
            <InputNumber min={field.number.min} max={field.number.max} />
          ) : (
            <Input allowClear className="pf-ops-filter-input" />
          )}
        </Form.Item>
      ))}
      <Form.Item>
        <Space>
          <Button type="primary" htmlType="submit">
            {t('ops.filter.apply')}
          </Button>
          <Button
            onClick={() => {
              form.resetFields();
              setParams(new URLSearchParams());
            }}
          >
            {t('ops.filter.clear')}
          </Button>
        </Space>
      </Form.Item>
    </Form>
  );
}
