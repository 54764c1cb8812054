/**
 * The Temporal header that carries a request's correlation id (the API's X-Request-Id) from the API into
 * workflows, from workflows into their activities and child workflows, and so into every log line the
 * work for that request writes. Imported by workflow code too: this module must stay free of Node imports.
 */
export const CORRELATION_HEADER = 'procureflow-correlation-id';
