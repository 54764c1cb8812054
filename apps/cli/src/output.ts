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
 * cell. Widths are display widths: Chinese characters take two columns of a terminal, so a table with
 * Chinese names stays aligned.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => displayWidth(row[column] ?? ''))));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - displayWidth(cell)))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Terminal columns `text` takes: East Asian wide and full-width characters count two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x20000 && code <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

/** `1 file`, `2 files`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** An ISO time as `YYYY-MM-DD HH:MM` UTC, short enough for a table; `-` for none. */
export function formatTime(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z` : '-';
}

/** Whole fen as yuan with two decimals and thousands separators: 12345678 → `¥123,456.78`. */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`;
}
