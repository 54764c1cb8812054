import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * Client request ids make a request idempotent: the same id sent twice (a double click, a retry after
 * a timeout) has one effect and gets the same answer. They double as Temporal update ids.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const REQUEST_ID_DESCRIPTION =
  'Chosen by the client, e.g. a UUID, fresh for each intended action: sending the same id again (a double click, a retry) ' +
  'has no second effect and gets the same answer. 1–128 letters, digits, ".", "_", ":" or "-".';

/** Form values: an object whose values are text, whole or decimal numbers, or true/false. */
export function IsFieldValues(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isFieldValues',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => fieldValuesProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'the value'} ${fieldValuesProblem(args?.value) ?? 'is not valid'}`,
      },
    });
}

function fieldValuesProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object of field ids to values';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 200) return 'must have at most 200 fields';
  for (const [key, item] of entries) {
    if (typeof item === 'string' ? item.length > 10_000 : typeof item === 'number' ? !Number.isFinite(item) : typeof item !== 'boolean') {
      return `has "${key}" = ${JSON.stringify(item)}: each value must be text (at most 10000 characters), a finite number or true/false`;
    }
  }
  return undefined;
}
