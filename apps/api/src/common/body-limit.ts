/**
 * Largest JSON request body the API reads, in bytes; a larger one is answered 413 before it is parsed.
 * Definition files travel as JSON strings, and a batch of a jurisdiction's files outgrows Express's
 * 100 kB default; this still bounds what one request can make the API hold and parse.
 */
export const MAX_JSON_BODY_BYTES = 5 * 1024 * 1024;
