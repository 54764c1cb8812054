import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OnModuleDestroy } from '@nestjs/common';
import { PROJECT_ROOT } from '../../../../src/config/project-root.js';
import type { CompileResult } from '../../../../src/definitions/compiler.js';

/** A message to a compiler thread. */
export interface CompileRequest {
  readonly id: number;
  readonly text: string;
  readonly file: string;
}

/** A compiler thread's answer: its first, once it has loaded the compiler, then one per request. */
export type CompileResponse = { readonly ready: true } | { readonly id: number; readonly result: CompileResult };

/** What became of one file: compiled (validly or not), or stopped for taking too long or too much memory. */
export type PooledCompileOutcome =
  | { readonly kind: 'compiled'; readonly result: CompileResult }
  | { readonly kind: 'stopped'; readonly reason: 'time' | 'memory' };

export interface DefinitionCompilerPoolOptions {
  /** How long one file may compile before its thread is terminated. */
  readonly timeoutMs: number;
  /** Threads compiling at once; default: two, or one on a machine with fewer than three cores. */
  readonly threads?: number;
  /** Heap one thread may use; a compile that needs more is stopped. */
  readonly maxHeapMb?: number;
}

interface Job {
  readonly request: CompileRequest;
  readonly resolve: (outcome: PooledCompileOutcome) => void;
  readonly reject: (error: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  /** The compiler is loaded: the time budget of a file counts its compile, not the thread's start. */
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

const DEFAULT_MAX_HEAP_MB = 256;

/**
 * Compiles definition files in worker threads, so that no file, however slow to compile, holds up
 * the API's event loop: health checks and every other request keep being answered meanwhile.
 *
 * A few threads are started on first use and kept, since loading the compiler into a fresh thread
 * (about a quarter of a second) costs more than compiling a typical file; their number is small so
 * that compiling never takes more than two cores from the rest of the API. Files wait in order for
 * a free thread. A compile that runs past the time budget, or past the heap limit, is stopped by
 * terminating its thread (JavaScript cannot be interrupted otherwise); a fresh thread takes its place
 * for the next file.
 *
 * Guarantees: every call settles — with the result, with `stopped`, or (only when a thread dies
 * unexpectedly or the pool is closed) with an error.
 */
export class DefinitionCompilerPool implements OnModuleDestroy {
  private readonly script: URL = workerScript();
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private readonly size: number;
  private readonly maxHeapMb: number;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: DefinitionCompilerPoolOptions) {
    this.size = options.threads ?? Math.min(2, Math.max(1, availableParallelism() - 1));
    this.maxHeapMb = options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
  }

  /** How long one file may compile. */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  compile(text: string, file: string): Promise<PooledCompileOutcome> {
    if (this.closed) return Promise.reject(new Error('the definition compiler is shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, text, file }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; files still waiting are refused with an error. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the definition compiler is shut down'));
    const threads = this.threads.splice(0);
    for (const thread of threads) {
      const job = thread.job;
      this.release(thread);
      job?.reject(new Error('the definition compiler is shut down'));
    }
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  /** The API closes the pool with the application. */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread = this.threads.find((candidate) => candidate.ready && !candidate.job);
      if (!thread) {
        // Start threads while there is work for them; a starting thread dispatches once ready.
        const starting = this.threads.filter((candidate) => !candidate.ready).length;
        if (starting < this.queue.length && this.threads.length < this.size) {
          this.startThread();
          continue;
        }
        return;
      }
      const job = this.queue.shift()!;
      thread.job = job;
      thread.timer = setTimeout(() => this.stop(thread, 'time'), this.options.timeoutMs);
      thread.worker.postMessage(job.request);
    }
  }

  private startThread(): Thread {
    const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    // An idle pool must not keep a process alive that has nothing else to do.
    worker.unref();
    const thread: Thread = { worker, ready: false };
    this.threads.push(thread);
    worker.on('message', (response: CompileResponse) => {
      if ('ready' in response) {
        thread.ready = true;
        this.dispatch();
        return;
      }
      const job = thread.job;
      if (!job || job.request.id !== response.id) return;
      this.release(thread);
      job.resolve({ kind: 'compiled', result: response.result });
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const job = this.retire(thread);
      if (!thread.ready) return this.failWaiting(new Error(`a definition compiler thread could not start: ${error.message}`, { cause: error }));
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') job?.resolve({ kind: 'stopped', reason: 'memory' });
      else job?.reject(new Error(`a definition compiler thread failed on ${job.request.file}: ${error.message}`, { cause: error }));
      this.dispatch();
    });
    worker.on('exit', (code) => {
      const job = this.retire(thread);
      if (this.closed) return;
      if (!thread.ready) return this.failWaiting(new Error(`a definition compiler thread exited with code ${code} before it was ready`));
      job?.reject(new Error(`a definition compiler thread exited with code ${code} while compiling ${job.request.file}`));
      this.dispatch();
    });
    return thread;
  }

  /**
   * A thread that dies before it is ready would die again in its place: the files waiting are refused
   * (the error reaches the log through the request that waited) instead of starting threads in a loop.
   */
  private failWaiting(error: Error): void {
    for (const job of this.queue.splice(0)) job.reject(error);
  }

  private stop(thread: Thread, reason: 'time'): void {
    const job = this.retire(thread);
    void thread.worker.terminate();
    job?.resolve({ kind: 'stopped', reason });
    this.dispatch();
  }

  private release(thread: Thread): void {
    clearTimeout(thread.timer);
    thread.timer = undefined;
    thread.job = undefined;
  }

  /** Takes a thread out of the pool (it is stopping or has died) and returns the job it held, if any. */
  private retire(thread: Thread): Job | undefined {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
    const job = thread.job;
    this.release(thread);
    return job;
  }
}

/**
 * The worker script beside this module. Run from TypeScript sources (as the tests do), the thread
 * runs its compiled copy under dist/, since a worker thread cannot load TypeScript.
 */
function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  const dir = here.endsWith('.ts') ? path.join(PROJECT_ROOT, 'dist', path.relative(PROJECT_ROOT, path.dirname(here))) : path.dirname(here);
  const script = path.join(dir, 'definition-compiler.worker.js');
  if (!existsSync(script)) throw new Error(`${path.relative(PROJECT_ROOT, script)} is missing: run \`npm run build\``);
  return pathToFileURL(script);
}
