import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, IsUUID, Matches, MaxLength, registerDecorator, ValidateIf, type ValidationArguments } from 'class-validator';
import { textPattern, textProblem } from './safe-text.js';

/**
 * The building blocks of every request DTO. Each states a field's rule once, and the same declaration
 * both enforces it and documents it in the OpenAPI document (maxLength, pattern, minimum, maximum, type),
 * so the contract a client reads is the one the API applies. What no DTO has to repeat — no control
 * characters in any text, however deeply nested — the EdgeValidationPipe checks for every request.
 */

/**
 * Client request ids make a request idempotent: the same id sent twice (a double click, a retry after
 * a timeout) has one effect and gets the same answer. They double as Temporal update ids.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const REQUEST_ID_DESCRIPTION =
  'Chosen by the client, e.g. a UUID, fresh for each intended action: sending the same id again (a double click, a retry) ' +
  'has no second effect and gets the same answer. 1–128 letters, digits, ".", "_", ":" or "-".';
const REQUEST_ID_MESSAGE = 'requestId must be 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (a UUID is fine)';

/** Ids inside a definition (steps, criteria, fields): camelCase, as the definition language has them. */
export const CAMEL_ID_PATTERN = /^[a-z][a-zA-Z0-9]*$/;

/** The bounds every id, title and free text is held to. */
export const MAX_ID_LENGTH = 200;
export const MAX_TITLE_LENGTH = 200;
export const MAX_COMMENT_LENGTH = 2000;
/** Pages never start further in than this: no register of a jurisdiction comes near it. */
export const MAX_OFFSET = 1_000_000;
/** Definition versions are PostgreSQL `integer`s. */
export const MAX_VERSION = 2_147_483_647;

/** Form values: text, whole or decimal numbers, or true/false; at most this many, text at most this long. */
export const MAX_FIELD_VALUES = 200;
export const MAX_FIELD_TEXT_LENGTH = 10_000;

/**
 * An optional field may be absent; when present it must be valid. Unlike class-validator's
 * `@IsOptional()`, `null` is not taken for absent: the document says "string", and null is not one.
 */
export function OptionalField(): PropertyDecorator {
  return ValidateIf((_object: unknown, value: unknown) => value !== undefined);
}

export interface TextFieldOptions {
  readonly description?: string;
  readonly example?: string;
  readonly maxLength: number;
  readonly optional?: boolean;
  /** Line breaks and tabs allowed (comments, reasons, definition files); other text is one line. */
  readonly multiline?: boolean;
  /** Must hold something besides whitespace. */
  readonly notBlank?: boolean;
  /** What to say when a `notBlank` value is blank, e.g. "reason must say why the cycle is cancelled". */
  readonly blankMessage?: string;
  /** Leading and trailing whitespace is dropped before the value is checked and used. */
  readonly trim?: boolean;
  /** A stricter shape (ids), documented as the field's pattern; it must exclude control characters. */
  readonly pattern?: { readonly regex: RegExp; readonly message: string };
}

/** A text field: a string, length-bounded, free of control characters, one line unless `multiline`. */
export function TextField(options: TextFieldOptions): PropertyDecorator {
  const multiline = options.multiline ?? false;
  const notBlank = options.notBlank ?? false;
  const document = options.optional ? ApiPropertyOptional : ApiProperty;
  const decorators: PropertyDecorator[] = [
    document({
      type: String,
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.example === undefined ? {} : { example: options.example }),
      maxLength: options.maxLength,
      ...(notBlank || options.pattern ? { minLength: 1 } : {}),
      pattern: options.pattern ? options.pattern.regex.source : textPattern({ multiline, notBlank }),
    }),
  ];
  if (options.trim) decorators.push(Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)));
  if (options.optional) decorators.push(OptionalField());
  decorators.push(IsString({ message: ({ property }: ValidationArguments) => `${property} must be text` }));
  decorators.push(MaxLength(options.maxLength, { message: ({ property }: ValidationArguments) => `${property} must be at most ${options.maxLength} characters long` }));
  if (options.pattern) {
    decorators.push(Matches(options.pattern.regex, { message: options.pattern.message }));
  } else {
    decorators.push(IsAcceptedText(multiline));
    if (notBlank) decorators.push(IsNotBlank(options.blankMessage));
  }
  return applyDecorators(...decorators);
}

/** A client request id (see REQUEST_ID_PATTERN). */
export function RequestIdField(options: { readonly description: string; readonly optional?: boolean; readonly example?: string }): PropertyDecorator {
  return TextField({
    description: options.description,
    ...(options.example === undefined ? {} : { example: options.example }),
    optional: options.optional ?? false,
    maxLength: 128,
    pattern: { regex: REQUEST_ID_PATTERN, message: REQUEST_ID_MESSAGE },
  });
}

/** The id of a registry row (vendor, notice): a UUID, written 8-4-4-4-12 in hexadecimal digits. */
export function UuidField(options: { readonly description?: string; readonly example?: string; readonly message: string }): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      type: String,
      format: 'uuid',
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.example === undefined ? {} : { example: options.example }),
    }),
    IsUUID('all', { message: options.message }),
  );
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * An instant as OpenAPI's `date` (YYYY-MM-DD, meaning midnight UTC) or `date-time` (RFC 3339, with a
 * zone: 2026-03-09T08:00:00+08:00) spell it, and nothing else ISO 8601 allows (week dates, ordinal
 * dates, times without a zone): the document names exactly these two formats.
 */
export function InstantField(options: { readonly description: string; readonly example: string; readonly optional?: boolean }): PropertyDecorator {
  const document = options.optional ? ApiPropertyOptional : ApiProperty;
  const decorators: PropertyDecorator[] = [
    document({
      description: `${options.description} A date (2026-03-09, midnight UTC) or a date-time with its zone (2026-03-09T08:00:00+08:00).`,
      example: options.example,
      anyOf: [
        { type: 'string', format: 'date' },
        { type: 'string', format: 'date-time' },
      ],
    }),
  ];
  if (options.optional) decorators.push(OptionalField());
  decorators.push((target, propertyName) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isInstant(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'the value'} must be a date or a date-time with its zone, e.g. 2026-03-09 or 2026-03-09T00:00:00Z`,
      },
    }),
  );
  return applyDecorators(...decorators);
}

/** A real calendar day, and a real time of day and zone offset, in the DATE or DATE_TIME shape. */
export function isInstant(text: string): boolean {
  const date = DATE.exec(text) ?? DATE_TIME.exec(text);
  if (!date) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0] = date.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const calendarDay = new Date(Date.UTC(2000, (month as number) - 1, day));
  calendarDay.setUTCFullYear(year as number);
  if (calendarDay.getUTCMonth() !== (month as number) - 1 || calendarDay.getUTCDate() !== day) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  const offsetHours = date[10] === undefined ? 0 : Number(date[10]);
  const offsetMinutes = date[11] === undefined ? 0 : Number(date[11]);
  return offsetHours <= 23 && offsetMinutes <= 59;
}

export interface IntegerFieldOptions {
  readonly description?: string;
  readonly example?: number;
  readonly default?: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly optional?: boolean;
  /**
   * The value arrives as text (a query or path parameter): only an optional minus sign and digits are
   * a whole number; `1e3`, `0x10`, `1.5`, ` 7` and the empty string are not.
   */
  readonly fromText?: boolean;
}

/** A whole number within [minimum, maximum], documented as `type: integer` with those bounds. */
export function IntegerField(options: IntegerFieldOptions): PropertyDecorator {
  const document = options.optional ? ApiPropertyOptional : ApiProperty;
  const message = (args?: ValidationArguments) => `${args?.property ?? 'the value'} must be a whole number from ${options.minimum} to ${options.maximum}`;
  const decorators: PropertyDecorator[] = [
    document({
      type: 'integer',
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.example === undefined ? {} : { example: options.example }),
      ...(options.default === undefined ? {} : { default: options.default }),
      minimum: options.minimum,
      maximum: options.maximum,
    }),
  ];
  if (options.fromText) decorators.push(Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?[0-9]+$/.test(value) ? Number(value) : value)));
  if (options.optional) decorators.push(OptionalField());
  // One rule, so that a value that is neither whole nor in range gets one message, not three.
  decorators.push((target, propertyName) =>
    registerDecorator({
      name: 'isIntegerWithin',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= options.minimum && value <= options.maximum,
        defaultMessage: message,
      },
    }),
  );
  return applyDecorators(...decorators);
}

/** Text without control characters and, unless `multiline`, on one line. */
function IsAcceptedText(multiline: boolean): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAcceptedText',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || textProblem(value, multiline) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'the value'} ${typeof args?.value === 'string' ? (textProblem(args.value, multiline) ?? 'is not valid') : 'must be text'}`,
      },
    });
}

function IsNotBlank(message?: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBlank',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || value.trim() !== '',
        defaultMessage: (args?: ValidationArguments) => message ?? `${args?.property ?? 'the value'} must not be empty`,
      },
    });
}

/**
 * Form values (task `fields`, cycle `inputs`): an object of at most MAX_FIELD_VALUES ids to text, numbers
 * or true/false, checked against the definition's form by the interpreter, not here.
 */
export function FieldValuesField(options: { readonly description: string; readonly example: Record<string, string | number | boolean>; readonly optional?: boolean }): PropertyDecorator {
  const document = options.optional ? ApiPropertyOptional : ApiProperty;
  const decorators: PropertyDecorator[] = [
    document({
      type: 'object',
      maxProperties: MAX_FIELD_VALUES,
      additionalProperties: {
        oneOf: [{ type: 'string', maxLength: MAX_FIELD_TEXT_LENGTH, pattern: textPattern({ multiline: true, notBlank: false }) }, { type: 'number' }, { type: 'boolean' }],
      },
      description: options.description,
      example: options.example,
      ...(options.optional ? { default: {} } : {}),
    }),
  ];
  if (options.optional) decorators.push(OptionalField());
  decorators.push(IsFieldValues());
  return applyDecorators(...decorators);
}

/**
 * A free-form JSON object (a decision's `payload`), whose shape the interpreter checks: here only that it
 * is an object and that no text in it, at any depth, is longer than `maxTextLength` characters. (Control
 * characters and nesting deeper than 16 levels the EdgeValidationPipe refuses in every request.)
 */
export function FreeFormField(options: { readonly description: string; readonly example: Record<string, unknown>; readonly maxTextLength: number }): PropertyDecorator {
  const problem = (value: unknown): string | undefined => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object';
    const pending: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
    while (pending.length > 0) {
      const { value: current, path } = pending.pop() as { value: unknown; path: string };
      if (typeof current === 'string' && current.length > options.maxTextLength) return `has text longer than ${options.maxTextLength} characters at ${path}`;
      if (current !== null && typeof current === 'object') {
        for (const [key, item] of Object.entries(current)) pending.push({ value: item, path: path ? `${path}.${key}` : key });
      }
    }
    return undefined;
  };
  return applyDecorators(
    ApiPropertyOptional({
      type: 'object',
      additionalProperties: true,
      description: `${options.description} Text in it is at most ${options.maxTextLength} characters long; it nests at most 16 levels deep.`,
      example: options.example,
    }),
    OptionalField(),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isFreeForm',
        target: target.constructor,
        propertyName: String(propertyName),
        validator: {
          validate: (value: unknown) => problem(value) === undefined,
          defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'the value'} ${problem(args?.value) ?? 'is not valid'}`,
        },
      }),
  );
}

/** The class-validator constraint of form values; the edge's refusal looks for it to name the value at fault. */
export const FIELD_VALUES_CONSTRAINT = 'isFieldValues';

/** Form values: an object whose values are text, whole or decimal numbers, or true/false. */
function IsFieldValues(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: FIELD_VALUES_CONSTRAINT,
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => fieldValuesProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => {
          const found = fieldValuesProblem(args?.value);
          const property = args?.property ?? 'the value';
          return found?.key === undefined ? `${property} ${found?.problem ?? 'is not valid'}` : `${property}.${found.key} ${found.problem}`;
        },
      },
    });
}

/**
 * What is wrong with form values, and with which value (`key`, the field id) when it is one value's fault:
 * a person fixing a 422 needs to know which of the form's fields to shorten, not that "fields" is invalid.
 */
export function fieldValuesProblem(value: unknown): { readonly key?: string; readonly problem: string } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'must be an object of field ids to values' };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_FIELD_VALUES) return { problem: `must have at most ${MAX_FIELD_VALUES} fields` };
  for (const [key, item] of entries) {
    if (typeof item === 'string' && item.length > MAX_FIELD_TEXT_LENGTH) {
      return { key, problem: `must be at most ${MAX_FIELD_TEXT_LENGTH} characters long, but has ${item.length}` };
    }
    if (typeof item === 'number' ? !Number.isFinite(item) : typeof item !== 'string' && typeof item !== 'boolean') {
      return { key, problem: `is ${JSON.stringify(item)?.slice(0, 100)}: each value must be text (at most ${MAX_FIELD_TEXT_LENGTH} characters), a finite number or true/false` };
    }
  }
  return undefined;
}
