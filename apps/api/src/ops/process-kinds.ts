/** The kinds of process ops staff watch and repair; each is one workflow. Declared once for every ops module. */
export const PROCESS_KINDS = ['cycle', 'contract', 'case'] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];
