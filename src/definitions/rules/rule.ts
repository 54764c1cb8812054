import type { Diagnostic, DocumentPath } from '../diagnostics.js';
import type { SourceDocument } from '../source/yaml-source.js';

/** What a semantic rule sees: the schema-valid definition and a way to report located problems. */
export interface RuleContext<TDefinition> {
  readonly definition: TDefinition;
  readonly source: SourceDocument;
  /**
   * Reports a problem at `path` (the value's position, or its nearest existing ancestor's);
   * `offsetInValue` points at a character inside a one-line value, such as an expression's error.
   */
  report(path: DocumentPath, message: string, offsetInValue?: number): void;
}

/**
 * One semantic rule of the definition language. Rules run only on schema-valid definitions, are
 * independent of each other, and report every problem they find rather than stopping at the first.
 */
export interface SemanticRule<TDefinition> {
  /** Stable id that appears in every diagnostic the rule reports, e.g. `PF-REF-ROLE`. */
  readonly id: string;
  /** One sentence for the language reference: what the rule demands. */
  readonly description: string;
  check(context: RuleContext<TDefinition>): void;
}

/** Runs every rule over one definition and collects what they report. A rule that throws is itself reported. */
export function runRules<T>(rules: readonly SemanticRule<T>[], definition: T, source: SourceDocument): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const rule of rules) {
    const context: RuleContext<T> = {
      definition,
      source,
      report: (path, message, offsetInValue) => diagnostics.push(source.at(path, rule.id, message, offsetInValue)),
    };
    try {
      rule.check(context);
    } catch (error) {
      diagnostics.push(source.at([], 'PF-INTERNAL', `rule ${rule.id} failed on this file: ${(error as Error).message}`));
    }
  }
  return diagnostics;
}
