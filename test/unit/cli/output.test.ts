import { signDevTokens, renderDevTokens, SEEDED_ROLES } from '../../../apps/stack/src/dev-tokens.js';
import { displayWidth, formatFen, formatTable } from '../../../apps/cli/src/output.js';
import { verifyAccessToken } from '../../../src/identity/access-tokens.js';

describe('command-line tables', () => {
  it('count Chinese characters as two columns, so columns after them stay aligned', () => {
    expect(displayWidth('预算审核')).toBe(8);
    expect(displayWidth('reviewBudget#1')).toBe(14);
    expect(formatTable(['TITLE', 'ROLE'], [['预算审核', 'finance-bureau'], ['Review', 'finance-bureau']]).split('\n')).toEqual([
      'TITLE     ROLE',
      '预算审核  finance-bureau',
      'Review    finance-bureau',
    ]);
  });

  it('show fen as yuan', () => {
    expect(formatFen(180_000_000)).toBe('¥1,800,000.00');
    expect(formatFen(5)).toBe('¥0.05');
    expect(formatFen(-12_345)).toBe('-¥123.45');
  });
});

describe('development tokens', () => {
  const secret = 'unit-test-secret-that-is-long-enough-0123456789';

  it('give each seeded role, and the extra roles of the procedures, its own user in the jurisdiction', async () => {
    const vendorId = '0b5c8c1e-4f7a-4a44-9d7e-3f1c2a9b8d01';
    const tokens = await signDevTokens(secret, 'zj-deqing', [{ role: 'public-resource-office', title: '公管办' }, { role: 'vendor', title: '重复' }], [{ vendorId, name: '阳光社工' }]);
    expect(tokens.map((t) => t.role)).toEqual([...SEEDED_ROLES.map((r) => r.role), 'public-resource-office', 'vendor']);
    for (const { role, token } of tokens.filter((t) => !t.vendor)) {
      expect(await verifyAccessToken(token, secret)).toEqual({ userId: `dev.${role}`, name: expect.stringContaining('（开发）'), roles: [role], jurisdiction: 'zj-deqing' });
    }
    const vendorToken = tokens.find((t) => t.vendor)?.token ?? '';
    expect(await verifyAccessToken(vendorToken, secret)).toEqual({ userId: 'dev.vendor.1', name: '阳光社工职员', roles: ['vendor'], jurisdiction: 'zj-deqing', vendorId });
    const printed = renderDevTokens('zj-deqing', tokens).split('\n');
    expect(printed[0]).toMatch(/^Development tokens for zj-deqing \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(printed[1]).toMatch(/^ {2}ROLE +USER +VENDOR +TOKEN$/);
    expect(printed.at(-1)).toMatch(new RegExp(`^ {2}vendor +dev\\.vendor\\.1 +${vendorId} +ey`));
    expect(printed).toHaveLength(2 + tokens.length);
  });
});
