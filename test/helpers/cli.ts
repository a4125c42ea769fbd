// The `boxify` program as a user runs it, for the integration tests: a subprocess with pipes
// (`boxify()`), or on a pseudo-terminal whose output can be awaited (`onPty()`).
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { IPty } from 'node-pty';
import { CLI, SLOW, type TestDaemon } from './daemon.js';
import type { CliResult } from './docker.js';

export interface BoxifyOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Written to stdin, then end of input (default: an empty stdin). */
  input?: string;
  timeoutMs?: number;
}

/** Runs `boxify -H unix://SOCKET ARGS` to its end. */
export function boxify(d: Pick<TestDaemon, 'socket'>, args: string[], opts: BoxifyOptions = {}): Promise<CliResult> {
  const timeoutMs = (opts.timeoutMs ?? 60_000) * SLOW;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '-H', `unix://${d.socket}`, ...args], {
      cwd: opts.cwd ?? tmpdir(),
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boxify ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a command that does not read its input
    child.stdin.end(opts.input ?? '');
  });
}

export interface PtyRun {
  term: IPty;
  /** Everything the program wrote so far. */
  text: () => string;
  /** Resolves when the output matches `re`; rejects after the time limit naming `what`. */
  until: (re: RegExp, what: string) => Promise<void>;
  exit: Promise<number>;
}

/** Runs `file args` on a pseudo-terminal of 100x30. */
export async function onPty(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<PtyRun> {
  const { spawn: spawnPty } = await import('node-pty');
  const term = spawnPty(file, args, {
    cols: 100,
    rows: 30,
    cwd: opts.cwd ?? tmpdir(),
    env: { ...process.env, ...opts.env } as Record<string, string>,
  });
  let text = '';
  const waiters: (() => void)[] = [];
  term.onData((d) => {
    text += d;
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const timeoutMs = (opts.timeoutMs ?? 30_000) * SLOW;
  const until = (re: RegExp, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; output so far:\n${text}`)), timeoutMs);
      const check = () => {
        if (re.test(text)) {
          clearTimeout(timer);
          resolve();
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { term, text: () => text, until, exit };
}

/** `boxify ARGS` on a pseudo-terminal, against the daemon `d`. */
export function boxifyOnPty(d: Pick<TestDaemon, 'socket'>, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<PtyRun> {
  return onPty(process.execPath, [CLI, '-H', `unix://${d.socket}`, ...args], opts);
}
