import type { ValueTransformer } from 'typeorm';
import { fenFromDatabase } from '../../money/fen.js';

/**
 * Maps a `bigint` fen column to a number and back. Reading refuses (throws) a value a JavaScript
 * number cannot hold exactly; the tables' check constraints keep such values out in the first place.
 */
export const FEN_COLUMN: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : fenFromDatabase(value)),
};
