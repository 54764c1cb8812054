/** What `npm run bench -- …` was asked for. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly cases: number;
  /** Scenario names to run, in the order of the registry; undefined: all of them. */
  readonly only: readonly string[] | undefined;
  /** Directory the result files are written to. */
  readonly out: string;
}

export const DEFAULT_CASES = 10_000;
export const QUICK_CASES = 50;
export const DEFAULT_OUT = 'bench/results';

export const USAGE = [
  'usage: npm run bench -- [--quick] [--cases N] [--only <scenario,...>] [--out <dir>]',
  '  --quick        small counts, the whole run under two minutes (CI smoke)',
  `  --cases N      case workflows of the case-scale scenario (default ${DEFAULT_CASES}; --quick: ${QUICK_CASES})`,
  '  --only a,b     run only these scenarios',
  `  --out <dir>    where the result files go (default ${DEFAULT_OUT})`,
].join('\n');

/** A command line the bench cannot run; the message names the argument. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses the bench's arguments (those after `--`). Guarantees: returns options whose `only` names only
 * scenarios of `known`, or throws a UsageError naming the bad argument.
 */
export function parseBenchOptions(args: readonly string[], known: readonly string[]): BenchOptions {
  let quick = false;
  let cases: number | undefined;
  let only: string[] | undefined;
  let out = DEFAULT_OUT;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined || next === '') throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--quick':
        if (inline !== undefined) throw new UsageError('--quick takes no value');
        quick = true;
        break;
      case '--cases': {
        const raw = value();
        if (!/^[1-9][0-9]*$/.test(raw) || Number(raw) > 1_000_000) throw new UsageError(`--cases must be a whole number from 1 to 1000000, not "${raw}"`);
        cases = Number(raw);
        break;
      }
      case '--only': {
        const names = value().split(',').map((name) => name.trim()).filter((name) => name !== '');
        const unknown = names.filter((name) => !known.includes(name));
        if (names.length === 0) throw new UsageError('--only needs at least one scenario name');
        if (unknown.length > 0) throw new UsageError(`--only: no scenario named ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${known.join(', ')})`);
        only = names;
        break;
      }
      case '--out':
        out = value();
        break;
      case '--help':
      case '-h':
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  return { quick, cases: cases ?? (quick ? QUICK_CASES : DEFAULT_CASES), only, out };
}
