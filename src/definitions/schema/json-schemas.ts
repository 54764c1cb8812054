import { z } from 'zod';
import { CalendarSchema } from '../calendars/calendar.schema.js';
import { ProcedureSchema } from '../procedure/procedure.schema.js';
import { SupervisionSchema } from '../supervision/supervision.schema.js';

/**
 * JSON Schema documents for editors (completion and checking while writing YAML), generated from the
 * zod schemas, which stay the single source of truth. `npm run schemas` writes them to
 * definitions/schema/; a test fails when the checked-in files drift from the code.
 */
export function renderJsonSchemas(): Record<string, string> {
  const documents: Record<string, z.ZodType> = {
    'procedure.schema.json': ProcedureSchema,
    'supervision-lifecycle.schema.json': SupervisionSchema,
    'calendar.schema.json': CalendarSchema,
  };
  return Object.fromEntries(
    Object.entries(documents).map(([file, schema]) => {
      // Input shape: properties with defaults are optional in a file.
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      const document = {
        $comment: 'Generated from the zod schemas in src/definitions by `npm run schemas`; do not edit.',
        ...json,
      };
      return [file, `${JSON.stringify(document, null, 2)}\n`];
    }),
  );
}
