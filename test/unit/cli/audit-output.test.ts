import { renderVerification } from '../../../apps/cli/src/commands/audit.command.js';

const HASH = 'e577758628b40a39325e7dff5347012dbf5bece3e01641d8cac3a392800d74a2';
const OTHER = '0eab2a8135080cebc3af963165d11c43289773af65237f63798aad5b2b93a0b4';

describe('procureflow audit verify, as a person reads it', () => {
  it('says the trail is intact, and gives its newest entry and hash to keep', () => {
    expect(
      renderVerification({ intact: true, cycleId: null, entriesChecked: 1, head: { entryId: '1', hash: HASH }, firstBreak: null, verifiedAt: '2026-03-02T08:00:00.000Z' }),
    ).toBe([`Intact: the audit trail, 1 entry checked.`, `  newest entry  1`, `  its hash      ${HASH}`, `  checked at    2026-03-02T08:00:00.000Z`].join('\n'));
  });

  it('names the first broken link of a cycle’s chain, with what was expected and what was found', () => {
    const text = renderVerification({
      intact: false,
      cycleId: 'cycle-1',
      entriesChecked: 7,
      head: { entryId: '6', hash: OTHER },
      firstBreak: { entryId: '7', chain: 'cycle:cycle-1', link: 'content', expected: HASH, found: OTHER, message: 'entry 7 was changed after it was written' },
      verifiedAt: '2026-03-02T08:00:00.000Z',
    });
    expect(text.split('\n')).toEqual([
      'BROKEN: the audit chain of cycle-1, first broken link at entry 7 (content link of the cycle:cycle-1 chain).',
      '  entry 7 was changed after it was written',
      `  expected      ${HASH}`,
      `  found         ${OTHER}`,
      `  last intact   6 (${OTHER})`,
      '  checked       7 entries, at 2026-03-02T08:00:00.000Z',
    ]);
  });
});
