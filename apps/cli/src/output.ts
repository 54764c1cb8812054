/** How a command prints: for a person by default, as one JSON document with `--json`. */
export interface Output {
  readonly json: boolean;
  /** Prints `data` as JSON, or `human(data)` for a person. */
  result<T>(data: T, human: (data: T) => string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human(data)}\n`);
    },
  };
}

/** A failure the CLI reports as one line on stderr (and as `{ "error": … }` with --json), exiting non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Detail for the reader, printed on stdout before the one-line error (e.g. located diagnostics). */
    readonly report?: string,
    /** Structured detail merged into the `--json` error document. */
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Lays rows out in columns separated by two spaces, every column but the last padded to its widest
 * cell (so wide CJK text belongs in the last column).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `1 file`, `2 files`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
