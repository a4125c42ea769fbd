// A real boxifyd for a test: its own socket, state root, bridge and subnet, derived from a
// unique id, so test files run in parallel without colliding; stop() removes everything it
// made (containers, bridge, NAT rules, cgroups, files) even when the test failed.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoxifyClient } from '../../src/tui/client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/ of this build: test helpers live in dist/test/helpers. */
export const DIST = path.resolve(here, '../..');
export const DAEMON = path.join(DIST, 'src/daemon/main.js');
export const CLI = path.join(DIST, 'src/tui/main.js');
/** All test state lives below here, so a sweep can find leftovers of a killed run. */
export const TEST_TMP = '/tmp/boxify-test';

export interface TestDaemon {
  id: string;
  socket: string;
  root: string;
  bridge: string;
  subnet: string;
  gateway: string;
  env: Record<string, string>;
  client: BoxifyClient;
  /** Daemon output so far, for failure messages. */
  output(): string;
  /** The daemon's PID. */
  pid(): number;
  /** The terminal it was started from (only with startDaemon({ onTerminal: true })). */
  terminal(): DaemonTerminal;
  /** SIGTERM the daemon (containers keep running) and start it again on the same state. */
  restart(): Promise<void>;
  /** Stop the daemon and remove everything it made. Safe to call twice. */
  stop(): Promise<void>;
}

function usedSubnets(): string {
  try {
    return execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** A free 10.x.y.0/prefix (prefix 16..24; a /24 unless more than 253 containers are needed). */
function pickSubnet(prefix = 24): { subnet: string; gateway: string } {
  const routes = usedSubnets();
  const block = 2 ** (24 - prefix);
  for (;;) {
    const a = 100 + crypto.randomInt(100);
    const b = crypto.randomInt(256 / block) * block;
    let free = true;
    for (let k = b; k < b + block; k++) if (routes.includes(`10.${a}.${k}.`)) free = false;
    if (free) return { subnet: `10.${a}.${b}.0/${prefix}`, gateway: `10.${a}.${b}.1` };
  }
}

/** Time limits scale with BOXIFY_TEST_SLOW (e.g. 10 in the emulated cgroup v2 VM). */
export const SLOW = Number(process.env.BOXIFY_TEST_SLOW) || 1;

/** The daemon's process, however it was started. */
interface DaemonProcess {
  pid: number;
  /** Settles when the daemon process has exited. */
  exited: Promise<void>;
  running(): boolean;
  kill(sig: NodeJS.Signals): void;
  /** Ends whatever else the launch started (the terminal of onTerminal). */
  dispose(): void;
}

async function waitForSocket(socket: string, proc: DaemonProcess, out: () => string, timeoutMs = 30_000 * SLOW): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running()) throw new Error(`boxifyd exited:\n${out()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(socket);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`boxifyd did not listen on ${socket} within ${timeoutMs} ms:\n${out()}`);
}

/** True while `pid` exists and is not a zombie. */
function pidRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export interface DaemonOptions {
  /** An fd of the test process that the daemon inherits as its fd 3, as if its parent had leaked it. */
  inheritFd?: number;
  /**
   * Start it as `.ci/setup --start` does from a terminal: `nohup boxifyd >>LOG 2>&1 &` from a
   * shell on a pseudo-terminal (node-pty), which then prints every line it reads as
   * `shell-read[LINE]` (see TestDaemon.terminal).
   */
  onTerminal?: boolean;
  /** The subnet's prefix length (default 24); 22 holds the 500 containers of bench/tui-cpu. */
  subnetPrefix?: number;
}

/** The pseudo-terminal a daemon was started from (DaemonOptions.onTerminal). */
export interface DaemonTerminal {
  /** Everything the shell on it has printed. */
  output(): string;
  /** Types into the terminal. */
  write(data: string): void;
  /** Closes the terminal's master end: the kernel hangs up its session. */
  hangUp(): void;
  /** True once the shell on it has ended. */
  exited(): boolean;
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const id = crypto.randomBytes(3).toString('hex');
  const dir = path.join(TEST_TMP, id);
  fs.mkdirSync(dir, { recursive: true });
  const { subnet, gateway } = pickSubnet(opts.subnetPrefix);
  const socket = path.join(dir, 'boxify.sock');
  const root = path.join(dir, 'root');
  const bridge = `bxd${id}`;
  const env = { BOXIFY_SOCKET: socket, BOXIFY_ROOT: root, BOXIFY_BRIDGE: bridge, BOXIFY_SUBNET: subnet };
  // The owner's PID lets .ci/sweep tell a live test run from what a killed one left.
  fs.writeFileSync(path.join(dir, 'env.json'), JSON.stringify(env));
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  let log = '';
  let proc: DaemonProcess;
  let terminal: DaemonTerminal | undefined;
  const logFile = path.join(dir, 'daemon.log');
  const output = () => (opts.onTerminal ? readOr(logFile) : log);
  const launch = async () => {
    proc = opts.onTerminal ? await launchOnTerminal(env, logFile, (t) => (terminal = t)) : launchPlain(env, opts.inheritFd, (b) => (log += b));
    await waitForSocket(socket, proc, output);
  };
  await launch();
  const stopDaemon = async () => {
    if (proc.running()) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await proc.exited;
      clearTimeout(t);
    }
    proc.dispose();
  };
  let stopped = false;
  return {
    id,
    socket,
    root,
    bridge,
    subnet,
    gateway,
    env,
    client: new BoxifyClient({ socketPath: socket }),
    output,
    pid: () => proc.pid,
    terminal: () => {
      if (!terminal) throw new Error('this daemon was not started on a terminal (startDaemon({ onTerminal: true }))');
      return terminal;
    },
    restart: async () => {
      await stopDaemon();
      await launch();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopDaemon();
      try {
        execFileSync(process.execPath, [DAEMON, 'cleanup'], { env: { ...process.env, ...env }, stdio: 'pipe' });
      } catch (e) {
        const err = e as { stderr?: Buffer };
        throw new Error(`boxifyd cleanup failed: ${err.stderr?.toString() ?? String(e)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function launchPlain(env: Record<string, string>, inheritFd: number | undefined, out: (b: Buffer) => void): DaemonProcess {
  const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
  if (inheritFd !== undefined) stdio.push(inheritFd);
  const child: ChildProcess = spawn(process.execPath, [DAEMON], { env: { ...process.env, ...env }, stdio });
  child.stdout!.on('data', out);
  child.stderr!.on('data', out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid!,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    kill: (sig) => child.kill(sig),
    dispose: () => undefined,
  };
}

async function launchOnTerminal(env: Record<string, string>, logFile: string, got: (t: DaemonTerminal) => void): Promise<DaemonProcess> {
  const { spawn: spawnPty } = await import('node-pty');
  const script =
    'nohup "$0" "$1" >>"$2" 2>&1 & echo "daemon-pid=$!"; ' +
    'while IFS= read -r line; do printf "shell-read[%s]\\n" "$line"; done';
  const term = spawnPty('/bin/sh', ['-c', script, process.execPath, DAEMON, logFile], {
    name: 'xterm',
    cols: 200,
    rows: 50,
    cwd: '/',
    env: { ...process.env, ...env } as Record<string, string>,
  });
  let screen = '';
  let shellEnded = false;
  term.onData((d) => (screen += d));
  term.onExit(() => (shellEnded = true));
  got({
    output: () => screen,
    write: (d) => term.write(d),
    hangUp: () => (term as unknown as { destroy(): void }).destroy(),
    exited: () => shellEnded,
  });
  const deadline = Date.now() + 30_000 * SLOW;
  let pid = 0;
  while (!pid) {
    const m = /daemon-pid=(\d+)/.exec(screen);
    if (m) pid = Number(m[1]);
    else if (Date.now() > deadline) throw new Error(`the shell on the terminal did not start boxifyd: ${screen}`);
    else await new Promise((r) => setTimeout(r, 20));
  }
  const exited = (async () => {
    while (pidRunning(pid)) await new Promise((r) => setTimeout(r, 50));
  })();
  return {
    pid,
    exited,
    running: () => pidRunning(pid),
    kill: (sig) => {
      try {
        process.kill(pid, sig);
      } catch {
        // gone already
      }
    },
    dispose: () => term.kill('SIGKILL'),
  };
}

/**
 * One daemon for a whole test file: started before the first test, stopped (and everything
 * it made removed) after the last, its output logged under any failing test. The returned
 * object stands for the daemon once `before` has run.
 */
export function daemonForFile(test: {
  before: (fn: () => Promise<void>) => void;
  after: { always: (fn: () => Promise<void>) => void };
  afterEach: { always: (fn: (t: { passed: boolean; log: (...v: unknown[]) => void }) => void) => void };
}): TestDaemon {
  let current: TestDaemon | undefined;
  test.before(async () => {
    current = await startDaemon();
  });
  test.after.always(async () => {
    await current?.stop();
  });
  test.afterEach.always((t) => {
    if (!t.passed && current) t.log(`boxifyd output (last 3000 chars):\n${current.output().slice(-3000)}`);
  });
  return new Proxy({} as TestDaemon, {
    get(_target, prop) {
      if (!current) throw new Error('the test daemon is not started yet (used outside a test?)');
      return current[prop as keyof TestDaemon];
    },
  });
}
