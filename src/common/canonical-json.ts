/**
 * JSON with object keys sorted at every level, so equal content always serialises the same: the
 * definition compiler hashes it into a definition's content hash, the API into a request's fingerprint.
 * Guarantees: for JSON data, equal strings exactly when the values are equal whatever the order of their
 * keys; properties that are undefined are left out, as JSON.stringify leaves them out.
 * Changing the output changes every content hash and fingerprint already stored: don't.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  // What JSON.stringify cannot write (undefined, a function) stands as null, as it does in an array.
  return JSON.stringify(value) ?? 'null';
}
