// The one place Boxify runs host programs (ip, iptables, nsenter, unshare, tar...). A failure
// becomes an error that carries the command line and its stderr, so nothing is thrown away.
import { execa } from 'execa';
import { BoxifyError } from '../errors.js';

export interface RunOptions {
  input?: string;
  /** Exit codes that are not failures (e.g. `iptables -C` answers 1 for "no such rule"). */
  okCodes?: number[];
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Debian package that provides each program we shell out to, for "not installed" errors. */
const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2',
  iptables: 'iptables',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  tar: 'tar',
  busybox: 'busybox-static',
};

export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const ok = opts.okCodes ?? [0];
  try {
    const r = await execa(cmd, args, {
      input: opts.input,
      reject: false,
      timeout: opts.timeoutMs,
      env: opts.env,
      stripFinalNewline: true,
    });
    if (r.failed && r.exitCode === undefined) throw r;
    const exitCode = r.exitCode ?? -1;
    if (!ok.includes(exitCode)) {
      throw new BoxifyError(
        'internal',
        `${cmd} ${args.join(' ')} failed (exit ${exitCode}): ${String(r.stderr || r.stdout).trim()}`,
      );
    }
    return { exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  } catch (err) {
    if (err instanceof BoxifyError) throw err;
    const e = err as { code?: string; message?: string };
    if (e.code === 'ENOENT' || /ENOENT/.test(String(e.message))) {
      const pkg = PACKAGE_OF[cmd];
      throw new BoxifyError(
        'unavailable',
        `${cmd} is not installed${pkg ? `: install the Debian package ${pkg} (apt-get install ${pkg})` : ''}`,
      );
    }
    throw new BoxifyError('internal', `${cmd} ${args.join(' ')}: ${e.message ?? String(err)}`, { cause: err });
  }
}
