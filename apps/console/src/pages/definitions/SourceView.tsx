import { forwardRef, useImperativeHandle, useRef } from 'react';
import type { components } from '../../api/schema.js';
import { useI18n } from '../../i18n/index.js';

export type Diagnostic = components['schemas']['DiagnosticDto'];

export interface SourceViewHandle {
  /** Scrolls the view so `line` (1-based) is in sight and marks it for a moment. */
  revealLine(line: number): void;
}

/** Diagnostics grouped by line; diagnostics past the last line (an unterminated document) go to the last. */
export function diagnosticsByLine(diagnostics: readonly Diagnostic[], lineCount: number): Map<number, Diagnostic[]> {
  const byLine = new Map<number, Diagnostic[]>();
  for (const diagnostic of diagnostics) {
    const line = Math.min(Math.max(diagnostic.line, 1), Math.max(lineCount, 1));
    byLine.set(line, [...(byLine.get(line) ?? []), diagnostic]);
  }
  return byLine;
}

/**
 * A definition's YAML, read-only, in a fixed-width font with line numbers; each diagnostic is marked in
 * the gutter of its line and its message shown under the line, so a reader sees the problem where it is.
 * The region scrolls inside a box of fixed height (no layout shift) and is focusable for keyboard users.
 */
export const SourceView = forwardRef<SourceViewHandle, { text: string; label: string; diagnostics?: readonly Diagnostic[]; idPrefix: string }>(
  function SourceView({ text, label, diagnostics = [], idPrefix }, ref) {
    const { t } = useI18n();
    const box = useRef<HTMLDivElement>(null);
    const lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const byLine = diagnosticsByLine(diagnostics, lines.length);

    useImperativeHandle(ref, () => ({
      revealLine(line: number) {
        const element = box.current?.querySelector<HTMLElement>(`#${idPrefix}-L${line}`);
        if (!element || !box.current) return;
        box.current.scrollTop = element.offsetTop - box.current.clientHeight / 3;
        element.classList.remove('pf-src-flash');
        // Re-adding the class restarts the highlight when the same line is chosen twice.
        void element.offsetWidth;
        element.classList.add('pf-src-flash');
      },
    }));

    return (
      <div ref={box} className="pf-src" role="region" aria-label={label} tabIndex={0}>
        {lines.map((content, index) => {
          const number = index + 1;
          const problems = byLine.get(number);
          return (
            <div key={number} id={`${idPrefix}-L${number}`} className={problems ? 'pf-src-line pf-src-line-error' : 'pf-src-line'} data-line={number}>
              <span className="pf-src-gutter" aria-hidden="true">
                {problems ? '●' : ''}
              </span>
              <span className="pf-src-num">{problems ? <span title={t('editor.lineHasProblem', { line: number })}>{number}</span> : number}</span>
              <code className="pf-src-text">{content === '' ? ' ' : content}</code>
              {problems?.map((problem, i) => (
                <div key={i} className="pf-src-diagnostic" data-diagnostic-line={number}>
                  <span className="pf-visually-hidden">{t('editor.lineHasProblem', { line: number })}: </span>
                  {problem.message} <span className="pf-src-rule">[{problem.ruleId}]</span>
                </div>
              ))}
            </div>
          );
        })}
      </div>
    );
  },
);
