import fc from 'fast-check';
import { fenFromDatabase, formatYuan, isFen, MAX_FEN } from '../../../src/money/fen.js';

describe('fen', () => {
  it.each([
    [12_345, '123.45'],
    [5, '0.05'],
    [100, '1.00'],
    [0, '0.00'],
    [-250, '-2.50'],
    [MAX_FEN, '90071992547409.91'],
  ])('writes %d fen as %s yuan', (fen, yuan) => {
    expect(formatYuan(fen)).toBe(yuan);
  });

  it('writes every whole amount as yuan that reads back as the same fen', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (fen) => {
        const [whole, cents] = formatYuan(fen).split('.');
        expect(cents).toHaveLength(2);
        expect(BigInt(whole ?? '') * 100n + BigInt(cents ?? '')).toBe(BigInt(fen));
      }),
    );
  });

  it('refuses amounts that are not whole fen', () => {
    expect(() => formatYuan(1.5)).toThrow('not a whole number of fen');
    expect(() => formatYuan(MAX_FEN + 1)).toThrow('not a whole number of fen');
  });

  it('reads bigint columns as numbers, refusing what a number cannot hold exactly', () => {
    expect(fenFromDatabase('9007199254740991')).toBe(MAX_FEN);
    expect(fenFromDatabase('-42')).toBe(-42);
    expect(() => fenFromDatabase('9007199254740992')).toThrow('beyond 9007199254740991');
    expect(() => fenFromDatabase('12.5')).toThrow('not a whole number of fen');
  });

  it('tells whole fen from everything else', () => {
    expect([0, 1, MAX_FEN].map((value) => isFen(value))).toEqual([true, true, true]);
    expect([-1, 0.5, MAX_FEN + 1, Number.NaN, '100', null].map((value) => isFen(value))).toEqual([false, false, false, false, false, false]);
    expect(isFen(0, 1)).toBe(false);
  });
});
