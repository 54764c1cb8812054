import fc from 'fast-check';
import { diffDefinitions } from '../../../src/definitions/definition-diff.js';

describe('diffDefinitions', () => {
  it('finds nothing between equal values, whatever their key order', () => {
    expect(diffDefinitions({ a: 1, b: { c: [1, 2], d: null } }, { b: { d: null, c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('ignores properties whose value is undefined', () => {
    expect(diffDefinitions({ a: 1, b: undefined }, { a: 1 })).toEqual([]);
  });

  it('reports a changed scalar at its deepest path, with both values', () => {
    const before = { metadata: { key: 'cn-2026', title: { zh: '旧', en: 'old' } }, year: 2026 };
    const after = { metadata: { key: 'cn-2026', title: { zh: '新', en: 'old' } }, year: 2026 };
    expect(diffDefinitions(before, after)).toEqual([{ kind: 'changed', path: 'metadata.title.zh', before: '旧', after: '新' }]);
  });

  it('reports added and removed properties with their whole values', () => {
    expect(diffDefinitions({ a: 1, gone: { x: 1 } }, { a: 1, fresh: [1] })).toEqual([
      { kind: 'added', path: 'fresh', after: [1] },
      { kind: 'removed', path: 'gone', before: { x: 1 } },
    ]);
  });

  it('reports a change of type as one change of the whole value', () => {
    expect(diffDefinitions({ deadline: 'P5D' }, { deadline: { businessDays: 5 } })).toEqual([
      { kind: 'changed', path: 'deadline', before: 'P5D', after: { businessDays: 5 } },
    ]);
    expect(diffDefinitions({ v: null }, { v: 0 })).toEqual([{ kind: 'changed', path: 'v', before: null, after: 0 }]);
  });

  it('compares arrays without ids index by index', () => {
    const before = { holidays: [{ from: '2026-01-01', to: '2026-01-03' }, { from: '2026-02-15', to: '2026-02-23' }] };
    const after = { holidays: [{ from: '2026-01-01', to: '2026-01-04' }] };
    expect(diffDefinitions(before, after)).toEqual([
      { kind: 'changed', path: 'holidays[0].to', before: '2026-01-03', after: '2026-01-04' },
      { kind: 'removed', path: 'holidays[1]', before: { from: '2026-02-15', to: '2026-02-23' } },
    ]);
    expect(diffDefinitions({ weekend: ['saturday'] }, { weekend: ['saturday', 'sunday'] })).toEqual([{ kind: 'added', path: 'weekend[1]', after: 'sunday' }]);
  });

  it('matches elements with ids by id, so an insertion is one addition', () => {
    const review = { id: 'review', role: 'finance-bureau' };
    const before = { nodes: [{ id: 'draft', role: 'justice-bureau' }, review, { id: 'done' }] };
    const after = { nodes: [{ id: 'draft', role: 'justice-bureau' }, { id: 'legal', role: 'legal-office' }, { ...review, role: 'procurement-centre' }, { id: 'done' }] };
    expect(diffDefinitions(before, after)).toEqual([
      { kind: 'added', path: 'nodes[1]', after: { id: 'legal', role: 'legal-office' } },
      { kind: 'changed', path: 'nodes[2].role', before: 'finance-bureau', after: 'procurement-centre' },
    ]);
  });

  it('reports a removed element with an id at its index in the older version', () => {
    const before = { steps: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] };
    const after = { steps: [{ id: 'a' }, { id: 'c' }] };
    expect(diffDefinitions(before, after)).toEqual([{ kind: 'removed', path: 'steps[1]', before: { id: 'b' } }]);
  });

  it('reports a reordering of elements with ids once, as the order of their ids', () => {
    const before = { steps: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] };
    const after = { steps: [{ id: 'c' }, { id: 'a' }, { id: 'b' }] };
    expect(diffDefinitions(before, after)).toEqual([{ kind: 'changed', path: 'steps.order', before: ['a', 'b', 'c'], after: ['c', 'a', 'b'] }]);
  });

  it('falls back to indexes when ids repeat', () => {
    const before = { xs: [{ id: 'a', v: 1 }, { id: 'a', v: 2 }] };
    const after = { xs: [{ id: 'a', v: 1 }, { id: 'a', v: 3 }] };
    expect(diffDefinitions(before, after)).toEqual([{ kind: 'changed', path: 'xs[1].v', before: 2, after: 3 }]);
  });

  const json = fc.jsonValue({ maxDepth: 4 });

  it('is empty exactly when the two values are deeply equal', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
        expect(diffDefinitions(a, b).length === 0).toBe(same);
        expect(diffDefinitions(a, a)).toEqual([]);
      }),
    );
  });

  it('lists only changes whose sides differ, and never both sides of an addition or removal', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        for (const change of diffDefinitions(a, b)) {
          if (change.kind === 'added') expect('before' in change).toBe(false);
          if (change.kind === 'removed') expect('after' in change).toBe(false);
          if (change.kind === 'changed') expect(JSON.stringify(change.before)).not.toBe(JSON.stringify(change.after));
        }
      }),
    );
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, sortKeys(v)]));
  }
  // JSON cannot tell -0 from 0; neither should the comparison.
  return Object.is(value, -0) ? 0 : value;
}
