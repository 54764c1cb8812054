/**
 * Checking the audit trail's hash chains (built by the database: migration 1764036000000-audit-hash-chain).
 * Pure: the caller reads the entries, with each one's hash recomputed from its stored columns, and the
 * recorded chain heads; this module judges them.
 */

/** The link before the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** One stored entry, as the chain sees it. Ids are decimal strings (bigint). */
export interface ChainEntry {
  readonly id: string;
  /** The cycle whose chain the entry is in; null for entries about no cycle. */
  readonly chainCycleId: string | null;
  readonly prevHash: string;
  readonly cyclePrevHash: string | null;
  /** The hash stored with the entry. */
  readonly hash: string;
  /** The hash of the entry's stored columns, computed now. */
  readonly recomputedHash: string;
  /** Checking one cycle: the hash of the entry just before this one in the whole trail (GENESIS_HASH for none). */
  readonly globalPredecessorHash?: string;
  /** Checking one cycle: the id of that entry, or null. */
  readonly globalPredecessorId?: string | null;
}

/** What `audit_chain_heads` records for one chain: its newest entry and how many it has. */
export interface RecordedHead {
  /** `global` or `cycle:<cycleId>`. */
  readonly chain: string;
  readonly lastId: string;
  readonly lastHash: string;
  readonly length: number;
}

/** Which link broke: an entry's own content, its link to the trail or to its cycle, or a chain's recorded head. */
export const CHAIN_LINKS = ['content', 'previous', 'cycle-previous', 'head'] as const;
export type ChainLink = (typeof CHAIN_LINKS)[number];

export interface ChainBreak {
  /** The entry whose link is broken; for a head, the entry the head names (null when it names none). */
  readonly entryId: string | null;
  /** `global` or `cycle:<cycleId>`. */
  readonly chain: string;
  readonly link: ChainLink;
  /** What the chain says should be there. */
  readonly expected: string;
  /** What is stored. */
  readonly found: string;
  /** One sentence for the person reading it: what is wrong and what it means. */
  readonly message: string;
}

export interface ChainVerification {
  readonly intact: boolean;
  readonly entriesChecked: number;
  /** The newest entry checked and its hash (the genesis hash and null for an empty chain). */
  readonly head: { readonly entryId: string | null; readonly hash: string };
  /** The first broken link in id order (content before links, entries before heads); null when intact. */
  readonly firstBreak: ChainBreak | null;
}

/**
 * Checks the whole trail: every entry's content against its hash, its link to the entry before it, its
 * link to the previous entry of its cycle, and then every recorded head against the chain it heads.
 * Feed the entries in id order. Guarantees: a changed column, a removed, inserted or reordered entry, or
 * removed newest entries make `intact` false, and `firstBreak` names the first place it shows.
 */
export async function verifyWholeTrail(entries: AsyncIterable<ChainEntry>, heads: readonly RecordedHead[]): Promise<ChainVerification> {
  let previous: { id: string | null; hash: string } = { id: null, hash: GENESIS_HASH };
  const cycles = new Map<string, { id: string; hash: string; length: number }>();
  let checked = 0;
  for await (const entry of entries) {
    checked += 1;
    const broken =
      contentBreak(entry) ??
      (entry.prevHash !== previous.hash
        ? {
            entryId: entry.id,
            chain: 'global',
            link: 'previous' as const,
            expected: previous.hash,
            found: entry.prevHash,
            message:
              previous.id === null
                ? `entry ${entry.id} is the first of the trail but links to a predecessor: the entries before it were removed`
                : `entry ${entry.id} links to a predecessor other than entry ${previous.id}, the one before it: an entry between them was removed or inserted, or entry ${previous.id} was rewritten with its hash`,
          }
        : undefined) ??
      cycleLinkBreak(entry, entry.chainCycleId === null ? undefined : cycles.get(entry.chainCycleId));
    if (broken) return { intact: false, entriesChecked: checked, head: { entryId: previous.id, hash: previous.hash }, firstBreak: broken };
    previous = { id: entry.id, hash: entry.hash };
    if (entry.chainCycleId !== null) {
      const cycle = cycles.get(entry.chainCycleId);
      cycles.set(entry.chainCycleId, { id: entry.id, hash: entry.hash, length: (cycle?.length ?? 0) + 1 });
    }
  }
  const head = { entryId: previous.id, hash: previous.hash };
  const recorded = new Map(heads.map((h) => [h.chain, h]));
  const chains = [
    { chain: 'global', actual: previous.id === null ? undefined : { id: previous.id, hash: previous.hash, length: checked } },
    ...[...cycles].map(([cycleId, actual]) => ({ chain: `cycle:${cycleId}`, actual })),
    // Heads of cycles of which no entry is left.
    ...heads.filter((h) => h.chain.startsWith('cycle:') && !cycles.has(h.chain.slice('cycle:'.length))).map((h) => ({ chain: h.chain, actual: undefined })),
  ];
  for (const { chain, actual } of chains) {
    const broken = headBreak(chain, recorded.get(chain), actual);
    if (broken) return { intact: false, entriesChecked: checked, head, firstBreak: broken };
  }
  return { intact: true, entriesChecked: checked, head, firstBreak: null };
}

/**
 * Checks one cycle's chain: each of its entries' content, its link to the cycle's previous entry, its
 * anchor in the whole trail (its link to whatever entry precedes it there), then the cycle's recorded
 * head. Feed the cycle's entries in id order, each with `globalPredecessorHash`.
 */
export async function verifyCycleChain(cycleId: string, entries: AsyncIterable<ChainEntry>, head: RecordedHead | undefined): Promise<ChainVerification> {
  const chain = `cycle:${cycleId}`;
  let previous: { id: string; hash: string; length: number } | undefined;
  let checked = 0;
  for await (const entry of entries) {
    checked += 1;
    const predecessorHash = entry.globalPredecessorHash ?? GENESIS_HASH;
    const broken =
      contentBreak(entry) ??
      cycleLinkBreak(entry, previous) ??
      (entry.prevHash !== predecessorHash
        ? {
            entryId: entry.id,
            chain: 'global',
            link: 'previous' as const,
            expected: predecessorHash,
            found: entry.prevHash,
            message:
              (entry.globalPredecessorId ?? null) === null
                ? `entry ${entry.id} is the first of the trail but links to a predecessor: the entries before it were removed`
                : `entry ${entry.id} links to a predecessor other than entry ${entry.globalPredecessorId}, the one before it in the trail: an entry between them was removed or inserted, or entry ${entry.globalPredecessorId} was rewritten with its hash`,
          }
        : undefined);
    const last = previous ? { entryId: previous.id, hash: previous.hash } : { entryId: null, hash: GENESIS_HASH };
    if (broken) return { intact: false, entriesChecked: checked, head: last, firstBreak: broken };
    previous = { id: entry.id, hash: entry.hash, length: (previous?.length ?? 0) + 1 };
  }
  const last = previous ? { entryId: previous.id, hash: previous.hash } : { entryId: null, hash: GENESIS_HASH };
  const broken = headBreak(chain, head, previous);
  return broken ? { intact: false, entriesChecked: checked, head: last, firstBreak: broken } : { intact: true, entriesChecked: checked, head: last, firstBreak: null };
}

function contentBreak(entry: ChainEntry): ChainBreak | undefined {
  if (entry.recomputedHash === entry.hash) return undefined;
  return {
    entryId: entry.id,
    chain: entry.chainCycleId === null ? 'global' : `cycle:${entry.chainCycleId}`,
    link: 'content',
    expected: entry.hash,
    found: entry.recomputedHash,
    message: `entry ${entry.id} was changed after it was written: its stored content no longer hashes to the hash recorded with it`,
  };
}

function cycleLinkBreak(entry: ChainEntry, previousOfCycle: { id: string; hash: string } | undefined): ChainBreak | undefined {
  if (entry.chainCycleId === null) return undefined;
  const expected = previousOfCycle?.hash ?? GENESIS_HASH;
  if (entry.cyclePrevHash === expected) return undefined;
  return {
    entryId: entry.id,
    chain: `cycle:${entry.chainCycleId}`,
    link: 'cycle-previous',
    expected,
    found: entry.cyclePrevHash ?? '(none)',
    message: previousOfCycle
      ? `entry ${entry.id} links to a previous entry of cycle ${entry.chainCycleId} other than entry ${previousOfCycle.id}: an entry of the cycle between them was removed, or moved to another chain`
      : `entry ${entry.id} is the first left of cycle ${entry.chainCycleId} but links to a previous one: the cycle's earlier entries were removed`,
  };
}

function headBreak(chain: string, recorded: RecordedHead | undefined, actual: { id: string; hash: string; length: number } | undefined): ChainBreak | undefined {
  const expected = recorded ? `entry ${recorded.lastId}, hash ${recorded.lastHash}, ${recorded.length} entries` : 'no entries';
  const found = actual ? `entry ${actual.id}, hash ${actual.hash}, ${actual.length} entries` : 'no entries';
  const recordedEmpty = !recorded || recorded.length === 0;
  if (recordedEmpty && !actual) return undefined;
  if (recorded && actual && recorded.lastId === actual.id && recorded.lastHash === actual.hash && recorded.length === actual.length) return undefined;
  const what = chain === 'global' ? 'the trail' : `cycle ${chain.slice('cycle:'.length)}`;
  let message: string;
  if (recordedEmpty) message = `${what} has entries its recorded head does not know of: entries were inserted, or the head was removed`;
  else if (!actual) message = `${what} has no entries left, but its recorded head names entry ${recorded.lastId}: its entries were removed`;
  else if (recorded.length > actual.length) {
    message = `${what} ends at entry ${actual.id} with ${actual.length} entries, but its recorded head names entry ${recorded.lastId} and ${recorded.length}: entries were removed`;
  } else {
    message = `${what} ends at entry ${actual.id} with ${actual.length} entries, but its recorded head names entry ${recorded.lastId} and ${recorded.length}: entries were added or changed outside the audit trail's append`;
  }
  return { entryId: recorded && !recordedEmpty ? recorded.lastId : (actual?.id ?? null), chain, link: 'head', expected, found, message };
}
