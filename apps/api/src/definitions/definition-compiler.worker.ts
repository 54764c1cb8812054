/**
 * A worker thread of the API's definition compiler pool (see definition-compiler.pool.ts): compiles
 * one file per message and answers with the result, so that a file that takes long to compile
 * holds up this thread, never the API's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { compileDefinition } from '../../../../src/definitions/compiler.js';
import type { CompileRequest, CompileResponse } from './definition-compiler.pool.js';

if (!parentPort) throw new Error('definition-compiler.worker runs only as a worker thread of the API');
const port = parentPort;

port.on('message', (request: CompileRequest) => {
  // compileDefinition never throws: every failure, its own included, comes back as diagnostics.
  const response: CompileResponse = { id: request.id, result: compileDefinition(request.text, request.file) };
  port.postMessage(response);
});
const ready: CompileResponse = { ready: true };
port.postMessage(ready);
