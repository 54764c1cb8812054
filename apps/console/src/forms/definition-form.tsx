import { Checkbox, Form, Input, InputNumber, Select } from 'antd';
import type { Rule } from 'antd/es/form/index.js';
import type { components } from '../api/schema.js';
import type { I18n } from '../i18n/index.js';
import { parseYuanToFen } from '../i18n/format.js';

export type FormField = components['schemas']['TaskFormFieldDto'];
export type FieldValue = string | number | boolean;

/** The name of the form item holding a field's value: `fields.<id>`, as the API's 422 `details[].field` names it. */
export const fieldPath = (id: string): ['fields', string] => ['fields', id];

/** Validation of a field as its definition declares it (the API checks the same again and is the judge). */
function rulesOf(field: FormField, label: string, i18n: I18n): Rule[] {
  const { t, money, number } = i18n;
  const rules: Rule[] = [];
  if (field.required && field.type !== 'bool') rules.push({ required: true, message: t('field.required', { label }) });
  switch (field.type) {
    case 'money':
      rules.push({
        validator: async (_rule, value: unknown) => {
          if (value === undefined || value === null || value === '') return;
          const parsed = parseYuanToFen(String(value));
          if (!parsed.ok) throw new Error(parsed.reason === 'empty' ? t('field.required', { label }) : t(`field.money.${parsed.reason}` as const));
          const { min, max } = field;
          if (min !== null && max !== null && (parsed.fen < min || parsed.fen > max)) throw new Error(t('field.moneyRange', { min: money(min), max: money(max) }));
          if (min !== null && parsed.fen < min) throw new Error(t('field.moneyMin', { min: money(min) }));
          if (max !== null && parsed.fen > max) throw new Error(t('field.moneyMax', { max: money(max) }));
        },
      });
      break;
    case 'int':
      if (field.min !== null || field.max !== null) {
        rules.push({
          type: 'number',
          min: field.min ?? Number.MIN_SAFE_INTEGER,
          max: field.max ?? Number.MAX_SAFE_INTEGER,
          message: t('field.numberRange', { min: field.min === null ? '−∞' : number(field.min), max: field.max === null ? '∞' : number(field.max) }),
        });
      }
      break;
    case 'string':
      if (field.minLength !== null && field.minLength > 1) rules.push({ min: field.minLength, message: t('field.minLength', { n: field.minLength }) });
      break;
    default:
      break;
  }
  return rules;
}

/** The input for one declared type: money is typed in 元 (text, so no float rounding) and sent in fen. */
function inputOf(field: FormField, label: string, i18n: I18n) {
  switch (field.type) {
    case 'money':
      return <Input inputMode="decimal" suffix={i18n.t('field.yuan')} aria-label={label} />;
    case 'int':
      return <InputNumber precision={0} min={field.min ?? undefined} max={field.max ?? undefined} style={{ width: '100%' }} aria-label={label} />;
    case 'bool':
      return <Checkbox aria-label={label} />;
    case 'date':
      return <Input type="date" aria-label={label} />;
    case 'choice':
      return <Select allowClear={!field.required} options={(field.oneOf ?? []).map((value) => ({ value, label: value }))} aria-label={label} />;
    case 'string':
    default:
      return field.maxLength !== null && field.maxLength <= 200 ? (
        <Input maxLength={field.maxLength} showCount aria-label={label} />
      ) : (
        <Input.TextArea maxLength={field.maxLength ?? undefined} autoSize={{ minRows: 2, maxRows: 8 }} aria-label={label} />
      );
  }
}

/** The Form.Items of a definition's form, one per declared field in its order. */
export function DefinitionFields({ fields, i18n, problems }: { fields: readonly FormField[]; i18n: I18n; problems: (path: string) => string[] }) {
  return (
    <>
      {fields.map((field) => {
        const label = i18n.text(field.title);
        const serverProblems = problems(`fields.${field.id}`);
        return (
          <Form.Item
            key={field.id}
            name={fieldPath(field.id)}
            label={field.required ? label : `${label} ${i18n.t('field.optional')}`}
            rules={rulesOf(field, label, i18n)}
            valuePropName={field.type === 'bool' ? 'checked' : 'value'}
            {...(serverProblems.length > 0 ? { validateStatus: 'error' as const, help: serverProblems.join('; ') } : {})}
          >
            {inputOf(field, label, i18n)}
          </Form.Item>
        );
      })}
    </>
  );
}

/** A recorded value as its field's type reads: money in 元 from fen, a date in the locale, yes or no as words. */
export function displayValue(field: FormField | undefined, value: unknown, i18n: I18n): string {
  if (typeof value === 'boolean') return i18n.t(value ? 'form.yes' : 'form.no');
  if (field?.type === 'money' && typeof value === 'number') return i18n.money(value);
  if (field?.type === 'date' && typeof value === 'string') return i18n.date(value);
  return String(value);
}

/** Initial values of the items: defaults as declared (money shown in 元). */
export function initialValues(fields: readonly FormField[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.default === null) continue;
    values[field.id] = field.type === 'money' && typeof field.default === 'number' ? (field.default / 100).toFixed(2) : field.default;
  }
  return values;
}

/**
 * The values a form of these fields starts (and starts again) with: the declared defaults, and "no" for a
 * yes/no without one. A yes/no is always answered, and an unticked checkbox left undefined would be left out
 * of what is sent, which the API refuses as a missing field.
 */
export function withAnswers(fields: readonly FormField[]): Record<string, unknown> {
  const values = initialValues(fields);
  for (const field of fields) if (field.type === 'bool' && values[field.id] === undefined) values[field.id] = false;
  return values;
}

/** What the form items hold, as the API takes it: money in integer fen, empty values left out. */
export function toDecisionFields(fields: readonly FormField[], values: Readonly<Record<string, unknown>>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const field of fields) {
    const value = values[field.id];
    if (value === undefined || value === null || value === '') continue;
    if (field.type === 'money') {
      const parsed = parseYuanToFen(String(value));
      if (parsed.ok) out[field.id] = parsed.fen;
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[field.id] = value;
    }
  }
  return out;
}
