import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The `procureflow` command as package.json's `bin` exposes it. */
export const PROCUREFLOW_BIN = path.join(PROJECT_ROOT, 'bin', 'procureflow.js');

/** A compiled entry point under dist/ (npm test builds before Jest runs). */
export function compiledEntry(relative: string): string {
  const file = path.join(PROJECT_ROOT, 'dist', relative);
  if (!existsSync(file)) throw new Error(`${relative} is not built: run \`npm run build\` (npm test does)`);
  return file;
}

/** Runs a procureflow process to completion with exactly the environment given (plus PATH and HOME). */
export function runToCompletion(script: string, env: Record<string, string>, args: string[] = []): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawnNode(script, env, args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function spawnNode(script: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  return spawn(process.execPath, [script, ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Resolves with what the stack (`npm start`'s entry) printed once it says it is running; rejects with
 * everything it printed when it exits before that.
 */
export function untilStackRuns(child: ChildProcess): Promise<string> {
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('Press Ctrl-C to stop everything.')) resolve(stdout);
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => reject(new Error(`the stack exited early with ${code}:\n${stdout}\n${stderr}`)));
  });
}

/** A long-running command (a `--watch` view) whose output a test reads as it comes. */
export interface FollowedProcess {
  /** Everything printed on stdout so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once stdout satisfies `done` (checked on each chunk); rejects, with the output, if the process ends first. */
  until(done: (stdout: string) => boolean): Promise<void>;
  /** Sends SIGINT (Ctrl-C) and resolves with how the process ended. */
  interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function followProcess(child: ChildProcess): FollowedProcess {
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const waiter of waiters.splice(0)) waiter();
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    until: (done) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (done(stdout) ? resolve() : waiters.push(check));
        void ended.then((end) => reject(new Error(`the process ended (${JSON.stringify(end)}) before printing what was awaited:\n${stdout}\n${stderr}`)));
        check();
      }),
    interrupt: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return ended;
    },
  };
}
