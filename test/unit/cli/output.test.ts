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
    const tokens = await signDevTokens(secret, 'zj-deqing', [{ role: 'public-resource-office', title: '公管办' }, { role: 'vendor', title: '重复' }]);
    expect(tokens.map((t) => t.role)).toEqual([...SEEDED_ROLES.map((r) => r.role), 'public-resource-office']);
    for (const { role, token } of tokens) {
      expect(await verifyAccessToken(token, secret)).toEqual({ userId: `dev.${role}`, name: expect.stringContaining('（开发）'), roles: [role], jurisdiction: 'zj-deqing' });
    }
    const printed = renderDevTokens('zj-deqing', tokens).split('\n');
    expect(printed[0]).toMatch(/^Development tokens for zj-deqing \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(printed[1]).toMatch(/^ {2}ROLE +USER +TOKEN$/);
    expect(printed).toHaveLength(2 + tokens.length);
  });
});
