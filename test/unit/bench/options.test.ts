import { DEFAULT_CASES, DEFAULT_OUT, parseBenchOptions, QUICK_CASES, UsageError } from '../../../bench/src/options.js';

const known = ['headline', 'history'];

describe('bench options', () => {
  it('defaults to every scenario, full counts and bench/results', () => {
    expect(parseBenchOptions([], known)).toEqual({ quick: false, cases: DEFAULT_CASES, only: undefined, out: DEFAULT_OUT });
  });

  it('--quick lowers the default case count, an explicit --cases wins', () => {
    expect(parseBenchOptions(['--quick'], known).cases).toBe(QUICK_CASES);
    expect(parseBenchOptions(['--quick', '--cases', '50'], known)).toMatchObject({ quick: true, cases: 50 });
    expect(parseBenchOptions(['--cases=100000'], known).cases).toBe(100_000);
  });

  it('--only keeps the names given, --out the directory', () => {
    expect(parseBenchOptions(['--only', 'history,headline', '--out', '/tmp/x'], known)).toMatchObject({ only: ['history', 'headline'], out: '/tmp/x' });
  });

  it('refuses what it cannot run, naming the argument', () => {
    expect(() => parseBenchOptions(['--only', 'nope'], known)).toThrow(/no scenario named "nope"/);
    expect(() => parseBenchOptions(['--cases', '0'], known)).toThrow(/--cases must be/);
    expect(() => parseBenchOptions(['--cases', '1e3'], known)).toThrow(/--cases must be/);
    expect(() => parseBenchOptions(['--out'], known)).toThrow(/--out needs a value/);
    expect(() => parseBenchOptions(['--fast'], known)).toThrow(UsageError);
    expect(() => parseBenchOptions(['--quick=yes'], known)).toThrow(/takes no value/);
  });
});
