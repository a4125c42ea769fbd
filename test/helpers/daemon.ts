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

function pickSubnet(): { subnet: string; gateway: string } {
  const routes = usedSubnets();
  for (;;) {
    const a = 100 + crypto.randomInt(100);
    const b = crypto.randomInt(256);
    if (!routes.includes(`10.${a}.${b}.`)) return { subnet: `10.${a}.${b}.0/24`, gateway: `10.${a}.${b}.1` };
  }
}

/** Time limits scale with BOXIFY_TEST_SLOW (e.g. 10 in the emulated cgroup v2 VM). */
export const SLOW = Number(process.env.BOXIFY_TEST_SLOW) || 1;

async function waitForSocket(socket: string, child: ChildProcess, out: () => string, timeoutMs = 30_000 * SLOW): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`boxifyd exited with ${child.exitCode}:\n${out()}`);
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

export async function startDaemon(): Promise<TestDaemon> {
  const id = crypto.randomBytes(3).toString('hex');
  const dir = path.join(TEST_TMP, id);
  fs.mkdirSync(dir, { recursive: true });
  const { subnet, gateway } = pickSubnet();
  const socket = path.join(dir, 'boxify.sock');
  const root = path.join(dir, 'root');
  const bridge = `bxd${id}`;
  const env = { BOXIFY_SOCKET: socket, BOXIFY_ROOT: root, BOXIFY_BRIDGE: bridge, BOXIFY_SUBNET: subnet };
  // The owner's PID lets .ci/sweep tell a live test run from what a killed one left.
  fs.writeFileSync(path.join(dir, 'env.json'), JSON.stringify(env));
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  let log = '';
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(process.execPath, [DAEMON], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b) => (log += b));
    child.stderr!.on('data', (b) => (log += b));
    await waitForSocket(socket, child, () => log);
  };
  await launch();
  const stopDaemon = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
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
    output: () => log,
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
