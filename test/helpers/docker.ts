// The real docker CLI pointed at a test daemon, for the tests that check Boxify with it.
import { spawn } from 'node:child_process';
import { SLOW, type TestDaemon } from './daemon.js';

export const DOCKER = '/usr/local/bin/docker';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment that points docker at the daemon (its own config dir, so runs never share one). */
export function dockerEnv(d: TestDaemon): Record<string, string> {
  return { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CONFIG: `/tmp/boxify-test/${d.id}/docker-config` } as Record<string, string>;
}

/** Runs `docker ARGS` to its end (with `input` on stdin, then end of input); rejects after the time limit. */
export function docker(d: TestDaemon, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const timeoutMs = (opts.timeoutMs ?? 60_000) * SLOW;
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args, { env: dockerEnv(d), stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b) => (stdout += b));
    child.stderr!.on('data', (b) => (stderr += b));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`docker ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const show = (r: CliResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
