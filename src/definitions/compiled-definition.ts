import type { CalendarDefinition } from './calendars/calendar.schema.js';
import type { ProcedureDefinition } from './procedure/procedure.schema.js';
import type { SupervisionDefinition } from './supervision/supervision.schema.js';

export const DEFINITION_KINDS = ['Procedure', 'SupervisionLifecycle', 'Calendar'] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

interface CompiledBase<K extends DefinitionKind, D> {
  readonly kind: K;
  readonly key: string;
  /** sha256 (hex) of the canonical JSON of `definition`: equal content, equal hash, whatever the YAML layout. */
  readonly contentHash: string;
  /** The validated definition with every default filled in; deeply frozen. */
  readonly definition: D;
}

/** A definition that passed the schema and every semantic rule. Immutable. */
export type CompiledDefinition =
  | CompiledBase<'Procedure', ProcedureDefinition>
  | CompiledBase<'SupervisionLifecycle', SupervisionDefinition>
  | CompiledBase<'Calendar', CalendarDefinition>;

export type CompiledProcedure = Extract<CompiledDefinition, { kind: 'Procedure' }>;
export type CompiledSupervision = Extract<CompiledDefinition, { kind: 'SupervisionLifecycle' }>;
export type CompiledCalendar = Extract<CompiledDefinition, { kind: 'Calendar' }>;
