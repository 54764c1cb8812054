import { createHash } from 'node:crypto';
import { type ChainEntry, GENESIS_HASH, type RecordedHead, verifyCycleChain, verifyWholeTrail } from '../../../src/audit/audit-chain.js';

/**
 * The chain judge on trails built here as the database builds them (content and links hashed together),
 * then tampered with the ways the owner of the tables could: a changed entry, a removed one, an inserted
 * one, removed newest entries, a rewritten entry with a hash to match.
 */
interface Stored {
  id: string;
  cycle: string | null;
  content: string;
  prevHash: string;
  cyclePrevHash: string | null;
  hash: string;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const hashOf = (entry: Omit<Stored, 'hash'>) => sha(JSON.stringify([entry.id, entry.cycle, entry.content, entry.prevHash, entry.cyclePrevHash]));

/** Appends entries as the trigger does, returning the stored rows and the heads it would record. */
function build(specs: Array<[cycle: string | null, content: string]>): { rows: Stored[]; heads: RecordedHead[] } {
  const rows: Stored[] = [];
  const heads = new Map<string, RecordedHead>([['global', { chain: 'global', lastId: '0', lastHash: GENESIS_HASH, length: 0 }]]);
  specs.forEach(([cycle, content], index) => {
    const id = String(index + 1);
    const global = heads.get('global')!;
    const cycleHead = cycle === null ? undefined : heads.get(`cycle:${cycle}`);
    const unhashed = { id, cycle, content, prevHash: global.lastHash, cyclePrevHash: cycle === null ? null : (cycleHead?.lastHash ?? GENESIS_HASH) };
    const row = { ...unhashed, hash: hashOf(unhashed) };
    rows.push(row);
    heads.set('global', { chain: 'global', lastId: id, lastHash: row.hash, length: global.length + 1 });
    if (cycle !== null) heads.set(`cycle:${cycle}`, { chain: `cycle:${cycle}`, lastId: id, lastHash: row.hash, length: (cycleHead?.length ?? 0) + 1 });
  });
  return { rows, heads: [...heads.values()] };
}

/** What the database reads back: the stored hash, and the hash of the stored content now. */
function asRead(row: Stored): ChainEntry {
  return { id: row.id, chainCycleId: row.cycle, prevHash: row.prevHash, cyclePrevHash: row.cyclePrevHash, hash: row.hash, recomputedHash: hashOf(row) };
}

async function* read(rows: Stored[]): AsyncIterable<ChainEntry> {
  for (const row of rows) yield asRead(row);
}

async function* readCycle(rows: Stored[], cycle: string): AsyncIterable<ChainEntry> {
  for (const [index, row] of rows.entries()) {
    if (row.cycle !== cycle) continue;
    const predecessor = rows[index - 1];
    yield { ...asRead(row), globalPredecessorId: predecessor?.id ?? null, globalPredecessorHash: predecessor?.hash ?? GENESIS_HASH };
  }
}

const TRAIL: Array<[string | null, string]> = [
  [null, 'definition.deployed'],
  ['A', 'cycle.launched'],
  ['B', 'cycle.launched'],
  ['A', 'task.submitted'],
  [null, 'vendor.verified'],
  ['B', 'task.submitted'],
  ['A', 'task.approved'],
];

describe('verifyWholeTrail', () => {
  it('finds an untouched trail intact, and reports its newest entry', async () => {
    const { rows, heads } = build(TRAIL);
    expect(await verifyWholeTrail(read(rows), heads)).toEqual({ intact: true, entriesChecked: 7, head: { entryId: '7', hash: rows[6]!.hash }, firstBreak: null });
  });

  it('finds an empty trail intact', async () => {
    const { heads } = build([]);
    expect(await verifyWholeTrail(read([]), heads)).toEqual({ intact: true, entriesChecked: 0, head: { entryId: null, hash: GENESIS_HASH }, firstBreak: null });
  });

  it('names a changed entry by its content, with the recorded hash expected and the hash of what is stored found', async () => {
    const { rows, heads } = build(TRAIL);
    const changed = rows.map((row) => (row.id === '4' ? { ...row, content: 'task.returned' } : row));
    const result = await verifyWholeTrail(read(changed), heads);
    expect(result).toMatchObject({ intact: false, entriesChecked: 4, head: { entryId: '3' } });
    expect(result.firstBreak).toEqual({
      entryId: '4',
      chain: 'cycle:A',
      link: 'content',
      expected: rows[3]!.hash,
      found: hashOf(changed[3]!),
      message: expect.stringContaining('entry 4 was changed after it was written'),
    });
  });

  it('names the entry after a removed one, by its link to the trail', async () => {
    const { rows, heads } = build(TRAIL);
    const result = await verifyWholeTrail(read(rows.filter((row) => row.id !== '5')), heads);
    expect(result.firstBreak).toMatchObject({ entryId: '6', chain: 'global', link: 'previous', expected: rows[3]!.hash, found: rows[4]!.hash });
  });

  it('names the first entry when the oldest ones were removed', async () => {
    const { rows, heads } = build(TRAIL);
    const result = await verifyWholeTrail(read(rows.slice(2)), heads);
    expect(result.firstBreak).toMatchObject({ entryId: '3', link: 'previous', expected: GENESIS_HASH, message: expect.stringContaining('first of the trail') });
  });

  it('names an entry rewritten with a matching hash by the link of the entry after it', async () => {
    const { rows, heads } = build(TRAIL);
    const rewritten = rows.map((row) => {
      if (row.id !== '2') return row;
      const forged = { ...row, content: 'cycle.cancelled' };
      return { ...forged, hash: hashOf(forged) };
    });
    expect((await verifyWholeTrail(read(rewritten), heads)).firstBreak).toMatchObject({ entryId: '3', link: 'previous', expected: rewritten[1]!.hash, found: rows[1]!.hash });
  });

  it('names a cycle’s entry that skips a removed entry of its cycle, though the trail was rechained around it', async () => {
    const { rows, heads } = build(TRAIL);
    // Entry 4 (cycle A) removed, every later entry relinked and rehashed in the trail, and the trail's head
    // moved to match; entry 7, the next of cycle A, still links to entry 4 within its cycle.
    const rechained: Stored[] = [];
    for (const row of rows.filter((r) => r.id !== '4')) {
      const unhashed = { ...row, prevHash: rechained[rechained.length - 1]?.hash ?? GENESIS_HASH };
      rechained.push({ ...unhashed, hash: hashOf(unhashed) });
    }
    const last = rechained[rechained.length - 1]!;
    const movedHeads = heads.map((head) => (head.chain === 'global' ? { chain: 'global', lastId: last.id, lastHash: last.hash, length: rechained.length } : head));
    const result = await verifyWholeTrail(read(rechained), movedHeads);
    expect(result.firstBreak).toMatchObject({ entryId: '7', chain: 'cycle:A', link: 'cycle-previous', expected: rows[1]!.hash, found: rows[3]!.hash });
  });

  it('notices removed newest entries through the recorded head', async () => {
    const { rows, heads } = build(TRAIL);
    const result = await verifyWholeTrail(read(rows.slice(0, 5)), heads);
    expect(result).toMatchObject({ intact: false, entriesChecked: 5, head: { entryId: '5' } });
    expect(result.firstBreak).toEqual({
      entryId: '7',
      chain: 'global',
      link: 'head',
      expected: `entry 7, hash ${rows[6]!.hash}, 7 entries`,
      found: `entry 5, hash ${rows[4]!.hash}, 5 entries`,
      message: expect.stringContaining('entries were removed'),
    });
  });

  it('notices entries added behind the append, though every link holds', async () => {
    const { rows, heads } = build(TRAIL);
    const longer = build([...TRAIL, [null, 'payment.instructed']]).rows;
    expect((await verifyWholeTrail(read(longer), heads)).firstBreak).toMatchObject({
      entryId: '7',
      link: 'head',
      found: `entry 8, hash ${longer[7]!.hash}, 8 entries`,
      message: expect.stringContaining('entries were added or changed outside'),
    });
    expect(rows).toHaveLength(7);
  });

  it('notices a cycle of which every entry was removed, by its head', async () => {
    const { rows, heads } = build(TRAIL);
    // Cycle B's entries removed and the rest rechained and given new heads, except B's.
    const rechained = build(TRAIL.filter(([cycle]) => cycle !== 'B'));
    const forgedHeads = [...rechained.heads, ...heads.filter((head) => head.chain === 'cycle:B')];
    const result = await verifyWholeTrail(read(rechained.rows), forgedHeads);
    expect(result.firstBreak).toMatchObject({ chain: 'cycle:B', link: 'head', entryId: rows[5]!.id, found: 'no entries', message: expect.stringContaining('its entries were removed') });
  });
});

describe('verifyCycleChain', () => {
  it('finds a cycle’s chain intact, anchored in the trail', async () => {
    const { rows, heads } = build(TRAIL);
    const head = heads.find((h) => h.chain === 'cycle:A');
    expect(await verifyCycleChain('A', readCycle(rows, 'A'), head)).toEqual({ intact: true, entriesChecked: 3, head: { entryId: '7', hash: rows[6]!.hash }, firstBreak: null });
  });

  it('names the next entry of the cycle after a removed one', async () => {
    const { rows, heads } = build(TRAIL);
    const result = await verifyCycleChain('A', readCycle(rows.filter((row) => row.id !== '4'), 'A'), heads.find((h) => h.chain === 'cycle:A'));
    expect(result.firstBreak).toMatchObject({ entryId: '7', chain: 'cycle:A', link: 'cycle-previous', expected: rows[1]!.hash, found: rows[3]!.hash });
  });

  it('names a cycle’s entry whose neighbour in the trail was removed, by its anchor', async () => {
    const { rows, heads } = build(TRAIL);
    const result = await verifyCycleChain('B', readCycle(rows.filter((row) => row.id !== '5'), 'B'), heads.find((h) => h.chain === 'cycle:B'));
    expect(result.firstBreak).toMatchObject({ entryId: '6', chain: 'global', link: 'previous', expected: rows[3]!.hash, found: rows[4]!.hash });
  });

  it('notices the cycle’s newest entry removed, through its head', async () => {
    const { rows, heads } = build(TRAIL);
    const result = await verifyCycleChain('A', readCycle(rows.slice(0, 6), 'A'), heads.find((h) => h.chain === 'cycle:A'));
    expect(result.firstBreak).toMatchObject({ entryId: '7', chain: 'cycle:A', link: 'head', message: expect.stringContaining('entries were removed') });
  });
});
