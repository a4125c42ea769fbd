// Boxify against runc and crun, side by side in one run, on the same static-busybox rootfs:
//
//   node dist/bench/runtime.js [--runs 20] [--warmup 3] [--idle 20]     (as root)
//
// Latency of one container running /bin/true from nothing to gone:
//   boxify    create + start + wait + remove through the API, one long-lived client (its
//             start-up is not counted), overlay rootfs; bridge network, and NetworkMode none
//   runc      mount overlay, `runc run -b BUNDLE ID`, umount, drop upper (one sh script)
//   crun      the same with crun; on a hybrid-cgroup host inside a private mount namespace
//             with /sys/fs/cgroup/unified unmounted, since crun 1.8 refuses hybrid mode
// The benchmarks run interleaved, one run of each per round, so a load change on the machine
// hits all of them alike. runc and crun are timed by a small Node worker process each
// (spawnSync of the script), the crun worker living inside the hidden-unified namespace so
// that the workaround costs nothing per run.
//
// Host memory per idle container: N containers running `sleep 100000`; RSS and PSS of every
// host process that exists for them (the shim that waits for each container, and anything
// else new below the daemon), the containers' own processes excluded, divided by N; plus the
// daemon's own growth from 0 to N containers. runc and crun leave no process behind.
//
// Prints markdown tables and writes JSON to bench/results/<timestamp>.json.
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildBusyboxRootfs } from '../src/core/images/busybox.js';
import type { BoxifyClient } from '../src/tui/client.js';
import { DAEMON, startDaemon, type TestDaemon } from '../test/helpers/daemon.js';

const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), '../..');
const RESULTS = path.join(REPO, 'bench/results');

// ---- statistics ------------------------------------------------------------------------------

interface Stats {
  runs: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

function stats(samples: number[]): Stats | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  // Nearest rank: the smallest sample with at least 90% of the samples at or below it.
  const p90 = s[Math.max(0, Math.ceil(0.9 * s.length) - 1)]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { runs: s.length, median, p90, min: s[0]!, max: s[s.length - 1]!, mean };
}

const fmt = (ms: number | undefined) => (ms === undefined ? '-' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

// ---- options -----------------------------------------------------------------------------

interface Options {
  runs: number;
  warmup: number;
  idle: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 20, warmup: 3, idle: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const key = a.replace(/^--/, '').split('=')[0] as keyof Options;
    if (!['runs', 'warmup', 'idle'].includes(key) || !a.startsWith('--')) {
      throw new Error(`unknown argument ${a}: use --runs N, --warmup N, --idle N`);
    }
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
    const n = Number(v);
    if (!Number.isInteger(n) || n < (key === 'runs' || key === 'idle' ? 1 : 0)) throw new Error(`--${key} wants a whole number, got ${v}`);
    o[key] = n;
  }
  return o;
}

// ---- host facts --------------------------------------------------------------------------

const TMPFS_MAGIC = 0x01021994;
const CGROUP2_MAGIC = 0x63677270;

function statfsType(p: string): number | undefined {
  try {
    return Number(fs.statfsSync(p).type);
  } catch {
    return undefined;
  }
}

type CgroupMode = 'v2' | 'hybrid' | 'v1';

function cgroupMode(): CgroupMode {
  if (statfsType('/sys/fs/cgroup') === CGROUP2_MAGIC) return 'v2';
  return statfsType('/sys/fs/cgroup/unified') === CGROUP2_MAGIC ? 'hybrid' : 'v1';
}

/** Our own cgroup: the memory controller's path on v1/hybrid, the unified path on v2. */
function ownCgroup(): string {
  const lines = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const mem = lines.find((l) => l.split(':')[1]?.split(',').includes('memory'));
  const p = (mem ?? lines.find((l) => l.startsWith('0::')) ?? '0::/').split(':').slice(2).join(':');
  return p === '/' ? '' : p;
}

/** Every cgroup hierarchy mount (the v1 controllers and, on hybrid, unified; on v2 the one tree). */
function hierarchies(mode: CgroupMode): string[] {
  if (mode === 'v2') return ['/sys/fs/cgroup'];
  return fs
    .readdirSync('/sys/fs/cgroup', { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join('/sys/fs/cgroup', e.name));
}

function version(cmd: string): string | undefined {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

// ---- processes and memory ----------------------------------------------------------------

function readFile(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((t) => (readFile(`/proc/${pid}/task/${t}/children`) ?? '').split(/\s+/).filter(Boolean).map(Number));
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const todo = children(pid);
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...children(p));
  }
  return out;
}

function statusField(pid: number, field: string): string | undefined {
  const m = (readFile(`/proc/${pid}/status`) ?? '').match(new RegExp(`^${field}:\\s*(.*)$`, 'm'));
  return m?.[1];
}

const comm = (pid: number) => (readFile(`/proc/${pid}/comm`) ?? '?').trim();

interface Mem {
  rssKb: number;
  pssKb: number;
  procs: number;
}

function memOf(pids: number[]): Mem {
  const m: Mem = { rssKb: 0, pssKb: 0, procs: 0 };
  for (const pid of pids) {
    const rss = statusField(pid, 'VmRSS');
    const pss = (readFile(`/proc/${pid}/smaps_rollup`) ?? '').match(/^Pss:\s*(\d+)/m)?.[1];
    if (rss === undefined || pss === undefined) continue; // gone, or a kernel thread
    m.rssKb += parseInt(rss, 10);
    m.pssKb += Number(pss);
    m.procs++;
  }
  return m;
}

/** The daemon startDaemon() spawned: our child running src/daemon/main.js. */
function daemonPid(): number {
  const pid = children(process.pid).find((p) => (readFile(`/proc/${p}/cmdline`) ?? '').includes(DAEMON));
  if (!pid) throw new Error(`no child process of ${process.pid} runs ${DAEMON}`);
  return pid;
}

/** Blocks for `ms` without spinning (for the synchronous exit path only). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---- the peer worker ---------------------------------------------------------------------
// `runtime.js --worker JSON`: reads "run" lines on stdin; for each, times one spawnSync of
// JSON.cmd/args and answers {"ms":..} or {"error":..} on one stdout line. On end of stdin it
// runs JSON.cleanup (best effort) and exits.

interface WorkerSpec {
  cmd: string;
  args: string[];
  cleanup: string[][];
}

async function workerMain(spec: WorkerSpec): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() !== 'run') continue;
    const t0 = performance.now();
    const r = spawnSync(spec.cmd, spec.args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const ms = performance.now() - t0;
    const answer =
      r.status === 0
        ? { ms }
        : { error: `${[spec.cmd, ...spec.args].join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}` };
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
  for (const [cmd, ...args] of spec.cleanup) spawnSync(cmd!, args, { stdio: 'ignore' });
}

/** A worker process seen from the parent: one timed run per call. */
class Worker {
  private readonly pending: ((line: string) => void)[] = [];
  private exitedWith?: string;
  private stderr = '';

  constructor(readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout! }).on('line', (l) => this.pending.shift()?.(l));
    child.stderr!.on('data', (b) => (this.stderr += b));
    child.on('exit', (code, sig) => {
      this.exitedWith = `worker exited (${code ?? sig}): ${this.stderr.trim()}`;
      for (const p of this.pending.splice(0)) p(JSON.stringify({ error: this.exitedWith }));
    });
  }

  run(): Promise<number> {
    if (this.exitedWith) return Promise.reject(new Error(this.exitedWith));
    return new Promise((resolve, reject) => {
      this.pending.push((line) => {
        const a = JSON.parse(line) as { ms?: number; error?: string };
        if (a.error !== undefined) reject(new Error(a.error));
        else resolve(a.ms!);
      });
      this.child.stdin!.write('run\n');
    });
  }

  /** Ends stdin (the worker cleans up and exits) and waits for it. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(t);
  }
}

// ---- set-up and clean-up of the peers ----------------------------------------------------

// Mount the overlay (lower = the busybox rootfs), run the runtime, unmount, drop upper/work,
// as measure.sh's ovl-run.sh does.
const OVL_RUN = `#!/bin/sh
# ovl-run.sh LOWER BUNDLE ID RUNTIME
lower=$1 b=$2 id=$3 rt=$4
mkdir -p "$b/upper" "$b/work" "$b/merged"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$b/upper,workdir=$b/work" "$b/merged" || exit 1
"$rt" run -b "$b" "$id"; rc=$?
umount "$b/merged"; rm -rf "$b/upper" "$b/work"
exit $rc
`;

// crun 1.8 refuses a hybrid host ("cgroups in hybrid mode not supported"): run it in a private
// mount namespace where the cgroup2 mount is gone, so it sees plain v1. The host is unchanged.
function legacyNs(mode: CgroupMode, argv: string[]): string[] {
  if (mode !== 'hybrid') return argv;
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh', ...argv];
}

interface Peer {
  name: string;
  runtime: string;
  id: string;
  bundle: string;
  wrap: (argv: string[]) => string[];
}

function writeBundle(peer: Peer, cgroupsPath: string): void {
  fs.mkdirSync(path.join(peer.bundle, 'merged'), { recursive: true });
  execFileSync('runc', ['spec', '--bundle', peer.bundle], { stdio: 'pipe' });
  const file = path.join(peer.bundle, 'config.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8'));
  c.process.terminal = false;
  c.process.args = ['/bin/true'];
  c.root = { path: path.join(peer.bundle, 'merged'), readonly: false };
  c.hostname = 'bench';
  c.linux.cgroupsPath = cgroupsPath;
  c.linux.namespaces = ['pid', 'network', 'ipc', 'uts', 'mount'].map((type) => ({ type }));
  fs.writeFileSync(file, JSON.stringify(c, null, 1));
}

// ---- Boxify ------------------------------------------------------------------------------

interface BoxifyRun {
  total: number;
  create: number;
  start: number;
  wait: number;
  remove: number;
}

async function boxifyOnce(client: BoxifyClient, networkMode: 'bridge' | 'none'): Promise<BoxifyRun> {
  const t0 = performance.now();
  const { Id } = await client.createContainer({ Image: 'busybox', Cmd: ['/bin/true'], HostConfig: { NetworkMode: networkMode } });
  const t1 = performance.now();
  try {
    await client.startContainer(Id);
    const t2 = performance.now();
    const w = await client.waitContainer(Id);
    const t3 = performance.now();
    if (w.StatusCode !== 0) throw new Error(`/bin/true in Boxify exited with ${w.StatusCode}`);
    await client.removeContainer(Id);
    const t4 = performance.now();
    return { total: t4 - t0, create: t1 - t0, start: t2 - t1, wait: t3 - t2, remove: t4 - t3 };
  } catch (e) {
    await client.removeContainer(Id, { force: true }).catch(() => {});
    throw e;
  }
}

// ---- the run -----------------------------------------------------------------------------

interface Bench {
  name: string;
  what: string;
  once: () => Promise<number>;
  samples: number[];
  parts?: Record<keyof Omit<BoxifyRun, 'total'>, number[]>;
  error?: string;
}

interface MemoryResult {
  n: number;
  shims: Mem & { comms: string[] };
  others: Mem & { comms: string[] };
  perContainer: { rssKb: number; pssKb: number };
  daemon0: Mem;
  daemonN: Mem;
  daemonGrowthPerContainer: { rssKb: number; pssKb: number };
  perContainerWithDaemonGrowth: { rssKb: number; pssKb: number };
}

async function idleMemory(d: TestDaemon, n: number): Promise<MemoryResult> {
  const client = d.client;
  const dpid = daemonPid();
  const before = new Set(descendants(dpid));
  const daemon0 = memOf([dpid]);
  const ids: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const { Id } = await client.createContainer({ Image: 'busybox', Cmd: ['sleep', '100000'], Labels: { 'boxify.bench': 'idle' } });
      ids.push(Id);
      await client.startContainer(Id);
    }
    const own = new Set<number>(); // the containers' own processes
    const shims = new Set<number>();
    for (const id of ids) {
      const st = (await client.inspectContainer(id)).State;
      if (!st.Running || !st.Pid) throw new Error(`idle container ${id.slice(0, 12)} is not running (${st.Status})`);
      own.add(st.Pid);
      for (const p of descendants(st.Pid)) own.add(p);
      shims.add(Number(statusField(st.Pid, 'PPid')));
    }
    const extra = [...new Set([...descendants(dpid), ...shims])].filter((p) => !own.has(p) && !before.has(p) && p !== dpid);
    const shimList = extra.filter((p) => shims.has(p));
    const otherList = extra.filter((p) => !shims.has(p));
    const s = memOf(shimList);
    const o = memOf(otherList);
    const daemonN = memOf([dpid]);
    const per = { rssKb: (s.rssKb + o.rssKb) / n, pssKb: (s.pssKb + o.pssKb) / n };
    const growth = { rssKb: (daemonN.rssKb - daemon0.rssKb) / n, pssKb: (daemonN.pssKb - daemon0.pssKb) / n };
    return {
      n,
      shims: { ...s, comms: [...new Set(shimList.map(comm))] },
      others: { ...o, comms: [...new Set(otherList.map(comm))] },
      perContainer: per,
      daemon0,
      daemonN,
      daemonGrowthPerContainer: growth,
      perContainerWithDaemonGrowth: { rssKb: per.rssKb + growth.rssKb, pssKb: per.pssKb + growth.pssKb },
    };
  } finally {
    for (const id of ids) await client.removeContainer(id, { force: true }).catch(() => {});
  }
}

const mb = (kb: number) => (kb / 1024).toFixed(2);

function report(benches: Bench[], mem: MemoryResult | { error: string } | undefined, opts: Options): string {
  const st = Object.fromEntries(benches.map((b) => [b.name, stats(b.samples)]));
  const ref = (name: string) => (benches.find((b) => b.name === name)?.error ? undefined : st[name]?.median);
  const ratio = (m: number | undefined, r: number | undefined) => (m !== undefined && r !== undefined ? `${(m / r).toFixed(2)}x` : '-');
  const out: string[] = [];
  out.push(`## Start a container running /bin/true, wait for it, remove it (ms; ${opts.runs} runs each after ${opts.warmup} warm-ups, interleaved)`, '');
  out.push('| benchmark | median | p90 | min | max | runs | / crun | / runc | what |', '|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const b of benches) {
    const s = st[b.name];
    if (b.error) {
      out.push(`| ${b.name} | FAILED | | | | ${b.samples.length} | | | ${b.error.replace(/\|/g, '/').replace(/\n/g, ' ')} |`);
      continue;
    }
    out.push(`| ${b.name} | ${fmt(s?.median)} | ${fmt(s?.p90)} | ${fmt(s?.min)} | ${fmt(s?.max)} | ${s?.runs ?? 0} | ${ratio(s?.median, ref('crun-overlay'))} | ${ratio(s?.median, ref('runc-overlay'))} | ${b.what} |`);
  }
  const parted = benches.filter((b) => b.parts && !b.error);
  if (parted.length) {
    out.push('', '## Boxify per API call (median ms)', '');
    out.push(`| call | ${parted.map((b) => b.name).join(' | ')} |`, `|---|${parted.map(() => '---:').join('|')}|`);
    for (const k of ['create', 'start', 'wait', 'remove'] as const) {
      out.push(`| ${k} | ${parted.map((b) => fmt(stats(b.parts![k])?.median)).join(' | ')} |`);
    }
  }
  out.push('', '## Host memory per idle container (the containers\' own processes excluded)', '');
  if (!mem) out.push('not measured');
  else if ('error' in mem) out.push(`FAILED: ${mem.error}`);
  else {
    out.push('| what | processes | RSS total | PSS total | RSS / container | PSS / container |', '|---|---:|---:|---:|---:|---:|');
    out.push(`| Boxify shims (${mem.shims.comms.join(', ') || '-'}) | ${mem.shims.procs} | ${mb(mem.shims.rssKb)} MB | ${mb(mem.shims.pssKb)} MB | ${mb(mem.shims.rssKb / mem.n)} MB | ${mb(mem.shims.pssKb / mem.n)} MB |`);
    out.push(`| Boxify other new processes (${mem.others.comms.join(', ') || 'none'}) | ${mem.others.procs} | ${mb(mem.others.rssKb)} MB | ${mb(mem.others.pssKb)} MB | ${mb(mem.others.rssKb / mem.n)} MB | ${mb(mem.others.pssKb / mem.n)} MB |`);
    out.push(`| Boxify daemon growth, 0 -> ${mem.n} containers | 1 | ${mb(mem.daemonN.rssKb - mem.daemon0.rssKb)} MB | ${mb(mem.daemonN.pssKb - mem.daemon0.pssKb)} MB | ${mb(mem.daemonGrowthPerContainer.rssKb)} MB | ${mb(mem.daemonGrowthPerContainer.pssKb)} MB |`);
    out.push(`| **Boxify total** (per-container processes + daemon growth) | | | | **${mb(mem.perContainerWithDaemonGrowth.rssKb)} MB** | **${mb(mem.perContainerWithDaemonGrowth.pssKb)} MB** |`);
    out.push(`| Boxify daemon itself (fixed, at 0 / ${mem.n} containers) | 1 | ${mb(mem.daemon0.rssKb)} / ${mb(mem.daemonN.rssKb)} MB | ${mb(mem.daemon0.pssKb)} / ${mb(mem.daemonN.pssKb)} MB | | |`);
    out.push('| runc / crun `run -d` | 0 | | | 0 (no supervisor stays) | 0 |');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('run as root: it mounts overlays, creates cgroups and starts boxifyd');
  const mode = cgroupMode();
  const hex = crypto.randomBytes(3).toString('hex');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `boxify-bench-${hex}-`));
  const cgParent = `${ownCgroup()}/boxify-bench-${hex}`;
  const loadStart = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const workers: Worker[] = [];
  const peers: Peer[] = [];
  let daemon: TestDaemon | undefined;
  let cleaned = false;

  // Everything this run made, removed synchronously: used on 'exit' (also after a crash)
  // and, after the async steps, at the normal end.
  const cleanupSync = () => {
    if (cleaned) return;
    cleaned = true;
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    if (daemon) {
      // The async stop() did not run to its end: stop the daemon by PID, then its cleanup.
      try {
        const pid = daemonPid();
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 200 && fs.existsSync(`/proc/${pid}`) && !/^State:\s*Z/m.test(readFile(`/proc/${pid}/status`) ?? ''); i++) sleepSync(50);
        if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      spawnSync(process.execPath, [DAEMON, 'cleanup'], { env: { ...process.env, ...daemon.env }, stdio: 'ignore' });
      fs.rmSync(path.dirname(daemon.socket), { recursive: true, force: true });
    }
    for (const p of peers) {
      const [cmd, ...args] = p.wrap([p.runtime, 'delete', '-f', p.id]);
      spawnSync(cmd!, args, { stdio: 'ignore' });
    }
    // Overlays left by a killed run (in the host namespace; the crun worker's die with it).
    const mounts = (readFile('/proc/self/mountinfo') ?? '').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(work + '/'));
    for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    for (const h of hierarchies(mode)) {
      const top = h + cgParent;
      if (!fs.existsSync(top)) continue;
      const dirs = [top];
      for (let i = 0; i < dirs.length; i++) {
        for (const e of fs.readdirSync(dirs[i]!, { withFileTypes: true })) if (e.isDirectory()) dirs.push(path.join(dirs[i]!, e.name));
      }
      for (const dir of dirs.reverse()) {
        try {
          fs.rmdirSync(dir);
        } catch {
          // busy: a process still inside; reported below
        }
      }
      if (fs.existsSync(top)) process.stderr.write(`bench: could not remove cgroup ${top}\n`);
    }
    fs.rmSync(work, { recursive: true, force: true });
  };
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`bench: ${sig}, cleaning up\n`);
      process.exit(130); // runs cleanupSync
    });
  }

  try {
    const rootfs = path.join(work, 'rootfs');
    buildBusyboxRootfs(rootfs);
    const script = path.join(work, 'ovl-run.sh');
    fs.writeFileSync(script, OVL_RUN, { mode: 0o755 });

    const benches: Bench[] = [];
    const spawnWorker = (argv: string[]): Worker => {
      const [cmd, ...args] = argv;
      const w = new Worker(spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
      workers.push(w);
      return w;
    };
    const workerArgv = (spec: WorkerSpec) => [process.execPath, SELF, '--worker', JSON.stringify(spec)];

    const floor = spawnWorker(workerArgv({ cmd: '/bin/true', args: [], cleanup: [] }));
    benches.push({ name: 'floor-spawn', what: 'Node spawnSync of /bin/true (the timing harness of the runc/crun rows)', once: () => floor.run(), samples: [] });

    for (const runtime of ['runc', 'crun']) {
      const name = `${runtime}-overlay`;
      if (!version(runtime)) {
        benches.push({ name, what: `${runtime} run`, once: async () => 0, samples: [], error: `${runtime} is not installed (apt-get install ${runtime})` });
        continue;
      }
      const wrap = runtime === 'crun' ? (a: string[]) => legacyNs(mode, a) : (a: string[]) => a;
      const peer: Peer = { name, runtime, id: `bxbench-${hex}-${runtime}`, bundle: path.join(work, `bundle-${runtime}`), wrap };
      peers.push(peer);
      writeBundle(peer, `${cgParent}/${runtime}`);
      const w = spawnWorker(wrap(workerArgv({ cmd: '/bin/sh', args: [script, rootfs, peer.bundle, peer.id, runtime], cleanup: [[runtime, 'delete', '-f', peer.id]] })));
      const how = runtime === 'crun' && mode === 'hybrid' ? ', in a mount namespace with the cgroup2 mount hidden' : '';
      benches.push({ name, what: `overlay mount + \`${runtime} run\` + umount (sh script), cgroupfs under our cgroup${how}`, once: () => w.run(), samples: [] });
    }

    // Warm-up rounds run everything but are not recorded.
    let counting = false;
    daemon = await startDaemon();
    const d = daemon;
    process.stderr.write(`bench: boxifyd on ${d.socket}, bridge ${d.bridge} ${d.subnet}; ${opts.warmup} warm-up + ${opts.runs} rounds\n`);
    await d.client.ping();
    for (const net of ['bridge', 'none'] as const) {
      const parts = { create: [] as number[], start: [] as number[], wait: [] as number[], remove: [] as number[] };
      const b: Bench = {
        name: `boxify-${net}`,
        what: `API create+start+wait+remove, one client, overlay rootfs, network ${net}`,
        samples: [],
        parts,
        once: async () => {
          const r = await boxifyOnce(d.client, net);
          if (counting) for (const k of ['create', 'start', 'wait', 'remove'] as const) parts[k].push(r[k]);
          return r.total;
        },
      };
      benches.push(b);
    }

    const total = opts.warmup + opts.runs;
    for (let round = 0; round < total; round++) {
      counting = round >= opts.warmup;
      for (const b of benches) {
        if (b.error) continue;
        try {
          const ms = await b.once();
          if (counting) b.samples.push(ms);
        } catch (e) {
          b.error = (e as Error).message;
          process.stderr.write(`bench: ${b.name} failed: ${b.error}\n`);
        }
      }
      if (process.stderr.isTTY) process.stderr.write(`\rbench: round ${round + 1}/${total}${counting ? '' : ' (warm-up)'}   `);
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    for (const w of workers) await w.close();

    let mem: MemoryResult | { error: string } | undefined;
    if (opts.idle > 0) {
      process.stderr.write(`bench: starting ${opts.idle} idle containers\n`);
      mem = await idleMemory(d, opts.idle).catch((e: Error) => ({ error: e.message }));
    }
    const loadEnd = fs.readFileSync('/proc/loadavg', 'utf8').trim();

    const text = report(benches, mem, opts);
    console.log(text);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const result = {
      date: new Date().toISOString(),
      options: opts,
      host: {
        kernel: os.release(),
        cpus: os.cpus().length,
        loadavgStart: loadStart,
        loadavgEnd: loadEnd,
        cgroupMode: mode,
        cgroupParent: cgParent,
        node: process.version,
        runc: version('runc'),
        crun: version('crun'),
      },
      latency: Object.fromEntries(
        benches.map((b) => [
          b.name,
          {
            what: b.what,
            error: b.error,
            ...stats(b.samples),
            samples: b.samples,
            parts: b.parts && Object.fromEntries(Object.entries(b.parts).map(([k, v]) => [k, { ...stats(v), samples: v }])),
          },
        ]),
      ),
      ratios: Object.fromEntries(
        benches
          .filter((b) => b.name.startsWith('boxify-') && !b.error)
          .flatMap((b) =>
            ['crun-overlay', 'runc-overlay'].map((ref) => {
              const r = benches.find((x) => x.name === ref);
              const m = stats(b.samples)?.median;
              const rm = r && !r.error ? stats(r.samples)?.median : undefined;
              return [`${b.name}/${ref}`, m !== undefined && rm !== undefined ? m / rm : null];
            }),
          ),
      ),
      memory: mem,
      markdown: text,
    };
    fs.mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `${stamp}.json`);
    fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nJSON: ${path.relative(process.cwd(), file) || file}`);
    if (benches.some((b) => b.error) || (mem && 'error' in mem)) process.exitCode = 1;
  } finally {
    for (const w of workers) await w.close().catch(() => {});
    if (daemon) {
      const d = daemon;
      await d
        .stop()
        .then(() => (daemon = undefined))
        .catch((e: Error) => process.stderr.write(`bench: daemon stop: ${e.message}\n`));
    }
    cleanupSync();
  }
}

if (process.argv[2] === '--worker') {
  workerMain(JSON.parse(process.argv[3]!) as WorkerSpec).catch((e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exit(1);
  });
} else {
  main().catch((e: Error) => {
    process.stderr.write(`bench: ${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  });
}
