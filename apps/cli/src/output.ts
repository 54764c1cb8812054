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
  ) {
    super(message);
    this.name = 'CliError';
  }
}
