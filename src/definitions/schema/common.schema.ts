import { z } from 'zod';

/** Every definition file starts with this apiVersion; a future incompatible language gets a new one. */
export const API_VERSION = 'procureflow.gov.cn/v1';

/** Keys of definitions, roles and jurisdictions: lower-case words joined by hyphens (`finance-bureau`). */
export const KebabId = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens, e.g. "finance-bureau"');

/** Ids that expressions refer to (inputs, fields, steps, nodes): camelCase (`supervisedPersons`). */
export const CamelId = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9]*$/, 'must be camelCase letters and digits starting with a lower-case letter, e.g. "supervisedPersons"');

/** Text shown to people, in Chinese and in English. */
export const LocalizedText = z
  .object({
    zh: z.string().min(1, 'must not be empty'),
    en: z.string().min(1, 'must not be empty'),
  })
  .strict();

/** Where a rule comes from: a seed policy document by file name, and the section inside it. */
export const SourceRef = z
  .object({
    seed: z.string().regex(/^\d{3}_[0-9a-f]+\.txt$/, 'must be a seed file name such as "001_74c0714c9c5763fe.txt"').optional(),
    document: z.string().min(1).optional(),
    section: z.string().min(1, 'must name the section, e.g. "§八(四)"'),
    quote: z.string().max(200).optional(),
    note: z.string().optional(),
  })
  .strict()
  .refine((ref) => ref.seed !== undefined || ref.document !== undefined, {
    message: 'must name either a seed file ("seed") or another published document ("document")',
  });

export const Sources = z.array(SourceRef);

/** Calendar time as ISO-8601 (`P10D`, `P1M`, `PT15M`). */
export const IsoDuration = z
  .string()
  .regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, 'must be an ISO-8601 duration such as "P10D", "P1M" or "PT15M"');

/** A span of time: calendar time (`P5D`) or working days on a business calendar (`{ businessDays: 5 }`). */
export const Deadline = z.union([
  IsoDuration,
  z.object({ businessDays: z.int().min(1, 'must be at least 1').max(365) }).strict(),
]);

export const IsoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date written YYYY-MM-DD');

/** What every definition file carries before its kind-specific body. */
export const Metadata = z
  .object({
    key: KebabId,
    title: LocalizedText,
    description: LocalizedText.optional(),
    jurisdiction: z.object({ code: KebabId, name: z.string().min(1) }).strict().optional(),
    sources: Sources.min(1, 'must cite at least one source document'),
  })
  .strict();

export type LocalizedTextT = z.infer<typeof LocalizedText>;
export type SourceRefT = z.infer<typeof SourceRef>;
export type DeadlineT = z.infer<typeof Deadline>;
export type MetadataT = z.infer<typeof Metadata>;
