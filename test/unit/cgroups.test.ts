import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BoxifyError } from '../../src/core/errors.js';
import {
  DAEMON_LEAF,
  findV1Hierarchies,
  openCgroups,
  parseIoStat,
  parseProcSelfCgroup,
  parseV1MemoryLimit,
  probeCgroupVersion,
  sharesFromWeight,
  weightFromShares,
} from '../../src/core/cgroups/index.js';

type T = { teardown(fn: () => void): void };

function tempRoot(t: T): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxify-cgroups-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path -> content) below `root`, making directories as needed. */
function put(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}
const read = (p: string) => readFileSync(p, 'utf8').trim();

const HYBRID_SELF = [
  '9:name=systemd:/',
  '8:pids:/',
  '7:blkio:/',
  '4:memory:/process_api/abc',
  '2:cpuacct:/',
  '1:cpu:/',
  '0::/',
  '',
].join('\n');

// ---- parsing and conversions ----

test('parseProcSelfCgroup reads v1 controllers, combined lists and the unified path', (t) => {
  const p = parseProcSelfCgroup(HYBRID_SELF);
  t.is(p.controllers.memory, '/process_api/abc');
  t.is(p.controllers.cpu, '/');
  t.is(p.controllers['name=systemd'], '/');
  t.is(p.unified, '/');
  const combined = parseProcSelfCgroup('3:cpu,cpuacct:/system.slice/x.service\n0::/system.slice/x.service\n');
  t.is(combined.controllers.cpu, '/system.slice/x.service');
  t.is(combined.controllers.cpuacct, '/system.slice/x.service');
  const v2 = parseProcSelfCgroup('0::/user.slice/a b:c\n');
  t.is(v2.unified, '/user.slice/a b:c', 'a path may contain ":"');
  t.deepEqual(v2.controllers, {});
});

test('cpu weight <-> shares follows the OCI mapping at the ends and the default', (t) => {
  t.is(sharesFromWeight(1), 2);
  t.is(sharesFromWeight(10000), 262144);
  t.is(sharesFromWeight(100), 2597); // 2 + 99*262142/9999 = 2597.47
  t.is(weightFromShares(2), 1);
  t.is(weightFromShares(262144), 10000);
  t.is(weightFromShares(1024), 40); // docker's default shares -> runc's weight 39.98
  for (const w of [1, 50, 100, 500, 5000, 10000]) t.is(weightFromShares(sharesFromWeight(w)), w);
});

test('v1 memory limit: the kernel huge number and -1 mean unlimited', (t) => {
  t.is(parseV1MemoryLimit('9223372036854771712\n'), null);
  t.is(parseV1MemoryLimit('-1'), null);
  t.is(parseV1MemoryLimit('52428800\n'), 52428800);
  t.is(parseV1MemoryLimit(undefined), null);
});

test('io.stat becomes Docker Read/Write entries', (t) => {
  t.deepEqual(parseIoStat('254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n'), [
    { major: 254, minor: 0, op: 'Read', value: 4096 },
    { major: 254, minor: 0, op: 'Write', value: 8192 },
  ]);
  t.deepEqual(parseIoStat(''), []);
});

// ---- probing ----

test('probe: a directory with cgroup.controllers is v2, one with controller dirs is v1', (t) => {
  const v2 = tempRoot(t);
  put(v2, { 'cgroup.controllers': 'cpu memory pids\n' });
  t.is(probeCgroupVersion(v2), 2);
  const v1 = tempRoot(t);
  mkdirSync(join(v1, 'memory'));
  t.is(probeCgroupVersion(v1), 1);
  t.throws(() => probeCgroupVersion(join(v1, 'nope')), { instanceOf: BoxifyError, message: /nope/ });
});

test('findV1Hierarchies handles separate and combined cpu,cpuacct mounts', (t) => {
  const sep = tempRoot(t);
  for (const c of ['memory', 'cpu', 'cpuacct', 'pids']) mkdirSync(join(sep, c));
  const h1 = findV1Hierarchies(sep);
  t.not(h1.cpu, h1.cpuacct);
  t.is(h1.blkio, undefined);

  const comb = tempRoot(t);
  mkdirSync(join(comb, 'memory'));
  mkdirSync(join(comb, 'cpu,cpuacct'));
  const h2 = findV1Hierarchies(comb);
  t.truthy(h2.cpu);
  t.is(h2.cpu, h2.cpuacct);
  // With the systemd-style symlinks cpu -> cpu,cpuacct the real path is the same.
  symlinkSync('cpu,cpuacct', join(comb, 'cpu'));
  symlinkSync('cpu,cpuacct', join(comb, 'cpuacct'));
  const h3 = findV1Hierarchies(comb);
  t.is(h3.cpu, h2.cpu);
  t.is(h3.cpuacct, h2.cpu);
});

// ---- v1 backend ----

function v1Fixture(t: T, combined = false) {
  const root = tempRoot(t);
  const ctrls = combined ? ['memory', 'cpu,cpuacct', 'pids', 'blkio'] : ['memory', 'cpu', 'cpuacct', 'pids', 'blkio'];
  for (const c of ctrls) mkdirSync(join(root, c));
  mkdirSync(join(root, 'memory/process_api/abc'), { recursive: true });
  const cg = openCgroups({ instance: 'u1', fsRoot: root, procSelfCgroup: HYBRID_SELF });
  return { root, cg, rel: 'process_api/abc/boxify-u1' };
}

test('v1: create makes the same path in every hierarchy and writes limits in kernel units', (t) => {
  const { root, cg, rel } = v1Fixture(t);
  t.is(cg.version, 1);
  // What the kernel would show in a fresh memory cgroup, including memsw.
  put(root, {
    [`memory/${rel}/c1/memory.limit_in_bytes`]: '9223372036854771712\n',
    [`memory/${rel}/c1/memory.memsw.limit_in_bytes`]: '9223372036854771712\n',
  });
  cg.create('c1', { memoryBytes: 50 * 1024 * 1024, cpuWeight: 100, cpuQuotaUs: 50000, cpuPeriodUs: 100000, pidsMax: 10 });
  t.is(read(join(root, 'memory', rel, 'c1/memory.limit_in_bytes')), String(50 * 1024 * 1024));
  t.is(read(join(root, 'memory', rel, 'c1/memory.memsw.limit_in_bytes')), String(50 * 1024 * 1024));
  t.is(read(join(root, 'cpu', rel, 'c1/cpu.shares')), '2597');
  t.is(read(join(root, 'cpu', rel, 'c1/cpu.cfs_quota_us')), '50000');
  t.is(read(join(root, 'cpu', rel, 'c1/cpu.cfs_period_us')), '100000');
  t.is(read(join(root, 'pids', rel, 'c1/pids.max')), '10');
  t.true(existsSync(join(root, 'cpuacct', rel, 'c1')));
  t.true(existsSync(join(root, 'blkio', rel, 'c1')));
  t.deepEqual(
    cg.procsFiles('c1').sort(),
    ['blkio', 'cpu', 'cpuacct', 'memory', 'pids'].map((c) => join(root, c, rel, 'c1/cgroup.procs')).sort(),
  );
  t.deepEqual(cg.list(), ['c1']);
  // Absent limits leave files untouched.
  cg.update('c1', { pidsMax: 20 });
  t.is(read(join(root, 'pids', rel, 'c1/pids.max')), '20');
  t.is(read(join(root, 'cpu', rel, 'c1/cpu.shares')), '2597');
  t.throws(() => cg.update('nope', { pidsMax: 1 }), { instanceOf: BoxifyError, message: /nope/ });
});

test('v1: a combined cpu,cpuacct mount gets one directory and one procs file', (t) => {
  const { root, cg, rel } = v1Fixture(t, true);
  cg.create('c2', { cpuWeight: 10000 });
  t.is(read(join(root, 'cpu,cpuacct', rel, 'c2/cpu.shares')), '262144');
  t.is(cg.procsFiles('c2').length, 4);
});

test('v1: rejects bad names and limits before touching anything', (t) => {
  const { root, cg, rel } = v1Fixture(t);
  t.throws(() => cg.create('../x', {}), { instanceOf: BoxifyError, message: /container cgroup name/ });
  t.throws(() => cg.create('c3', { cpuWeight: 0 }), { instanceOf: BoxifyError, message: /cpuWeight/ });
  t.throws(() => cg.create('c3', { memoryBytes: -5 }), { instanceOf: BoxifyError, message: /memoryBytes/ });
  t.false(existsSync(join(root, 'memory', rel, 'c3')));
});

test('v1: stats parsed from the kernel files; unlimited memory is null; missing files are 0', (t) => {
  const { root, cg, rel } = v1Fixture(t);
  cg.create('s1', {});
  put(root, {
    [`cpuacct/${rel}/s1/cpuacct.usage`]: '123456789\n',
    [`cpuacct/${rel}/s1/cpuacct.stat`]: 'user 7\nsystem 3\n',
    [`cpu/${rel}/s1/cpu.stat`]: 'nr_periods 20\nnr_throttled 5\nthrottled_time 999\n',
    [`memory/${rel}/s1/memory.usage_in_bytes`]: '1048576\n',
    [`memory/${rel}/s1/memory.limit_in_bytes`]: '9223372036854771712\n',
    [`memory/${rel}/s1/memory.stat`]: 'cache 4096\nrss 8192\ntotal_inactive_file 4096\n',
    [`memory/${rel}/s1/memory.oom_control`]: 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    [`pids/${rel}/s1/pids.current`]: '3\n',
    [`pids/${rel}/s1/pids.max`]: 'max\n',
    [`blkio/${rel}/s1/blkio.throttle.io_service_bytes_recursive`]: '8:0 Read 100\n8:0 Write 200\n8:0 Total 300\nTotal 300\n',
  });
  const s = cg.stats('s1');
  t.is(s.cpuUsageNs, 123456789);
  t.is(s.cpuUserNs, 70_000_000);
  t.is(s.cpuSystemNs, 30_000_000);
  t.deepEqual(s.throttling, { periods: 20, throttledPeriods: 5, throttledTimeNs: 999 });
  t.is(s.memoryUsage, 1048576);
  t.is(s.memoryLimit, null);
  t.is(s.memoryStat.rss, 8192);
  t.is(s.inactiveFile, 4096);
  t.is(s.oomKills, 2);
  t.is(s.pidsCurrent, 3);
  t.is(s.pidsLimit, null);
  t.deepEqual(s.ioServiceBytes, [
    { major: 8, minor: 0, op: 'Read', value: 100 },
    { major: 8, minor: 0, op: 'Write', value: 200 },
    { major: 8, minor: 0, op: 'Total', value: 300 },
  ]);
  put(root, { [`memory/${rel}/s1/memory.limit_in_bytes`]: '52428800\n', [`pids/${rel}/s1/pids.max`]: '10\n' });
  t.is(cg.stats('s1').memoryLimit, 52428800);
  t.is(cg.stats('s1').pidsLimit, 10);
  cg.create('empty', {});
  const e = cg.stats('empty');
  t.is(e.cpuUsageNs, 0);
  t.is(e.oomKills, 0);
  t.deepEqual(e.ioServiceBytes, []);
});

test('v1: remove is idempotent; removeInstance removes the ancestors it made but not <own>', async (t) => {
  const { root, cg, rel } = v1Fixture(t);
  cg.create('r1', {});
  await cg.remove('r1');
  await cg.remove('r1');
  t.deepEqual(cg.list(), []);
  cg.removeInstance();
  t.false(existsSync(join(root, 'memory', rel)));
  t.true(existsSync(join(root, 'memory/process_api/abc')), 'our own memory cgroup stays');
  t.false(existsSync(join(root, 'cpu/process_api')), 'made below a hierarchy where we sit at "/"');
  t.true(existsSync(join(root, 'cpu')));
});

// ---- v2 backend ----

function v2Fixture(t: T, own: string, procs: number[], subtree = '') {
  const root = tempRoot(t);
  put(root, { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': 'cpu io memory pids\n' });
  if (own !== '/') {
    put(root, {
      [`${own}/cgroup.controllers`]: 'cpu io memory pids\n',
      [`${own}/cgroup.subtree_control`]: subtree,
      [`${own}/cgroup.procs`]: procs.map((p) => `${p}\n`).join(''),
    });
  }
  return root;
}

test('v2: a delegated unit: the daemon moves only itself into a leaf, then controllers are enabled', (t) => {
  const own = 'system.slice/boxifyd.service';
  const root = v2Fixture(t, own, [process.pid]);
  const cg = openCgroups({ instance: 'u2', fsRoot: root, procSelfCgroup: `0::/${own}\n` });
  t.is(cg.version, 2);
  t.is(read(join(root, own, DAEMON_LEAF, 'cgroup.procs')), String(process.pid));
  t.is(read(join(root, own, 'cgroup.subtree_control')), '+memory +cpu +pids +io');
  t.is(read(join(root, own, 'boxify-u2/cgroup.subtree_control')), '+memory +cpu +pids +io');
  // A second manager in the same process sees itself in the leaf and uses the same <own>.
  const again = openCgroups({ instance: 'u3', fsRoot: root, procSelfCgroup: `0::/${own}/${DAEMON_LEAF}\n` });
  t.deepEqual(again.procsFiles('x'), [join(root, own, 'boxify-u3/x/cgroup.procs')]);
});

test('v2: other processes in <own> are an error naming the file and the fix, and nothing moves', (t) => {
  const own = 'user.slice/session.scope';
  const root = v2Fixture(t, own, [1234, process.pid]);
  const err = t.throws(() => openCgroups({ instance: 'u4', fsRoot: root, procSelfCgroup: `0::/${own}\n` }), {
    instanceOf: BoxifyError,
  });
  t.regex(err!.message, /cgroup\.subtree_control/);
  t.regex(err!.message, /1234/);
  t.regex(err!.message, /Delegate=yes/);
  t.false(existsSync(join(root, own, DAEMON_LEAF)));
  t.false(existsSync(join(root, own, 'boxify-u4')));
});

test('v2: missing delegated controllers are an error; already-enabled ones need no move', (t) => {
  const own = 'a.service';
  const root = v2Fixture(t, own, [1234, process.pid], 'cpu io memory pids\n');
  const cg = openCgroups({ instance: 'u5', fsRoot: root, procSelfCgroup: `0::/${own}\n` });
  t.is(cg.version, 2);
  t.false(existsSync(join(root, own, DAEMON_LEAF)));
  writeFileSync(join(root, own, 'cgroup.controllers'), 'cpu pids\n');
  t.throws(() => openCgroups({ instance: 'u6', fsRoot: root, procSelfCgroup: `0::/${own}\n` }), {
    instanceOf: BoxifyError,
    message: /memory.*Delegate=yes/,
  });
});

test('v2: limits go to memory.max, memory.swap.max, cpu.weight, cpu.max, pids.max', (t) => {
  const root = v2Fixture(t, '/', []);
  const cg = openCgroups({ instance: 'u7', fsRoot: root, procSelfCgroup: '0::/\n' });
  const d = join(root, 'boxify-u7/c1');
  put(root, { 'boxify-u7/c1/memory.swap.max': 'max\n', 'boxify-u7/c1/cpu.max': 'max 100000\n' });
  cg.create('c1', { memoryBytes: 52428800, cpuWeight: 500, cpuQuotaUs: 50000, pidsMax: 10 });
  t.is(read(join(d, 'memory.max')), '52428800');
  t.is(read(join(d, 'memory.swap.max')), '0');
  t.is(read(join(d, 'cpu.weight')), '500');
  t.is(read(join(d, 'cpu.max')), '50000 100000');
  t.is(read(join(d, 'pids.max')), '10');
  cg.update('c1', { cpuPeriodUs: 200000 });
  t.is(read(join(d, 'cpu.max')), '50000 200000', 'changing the period keeps the quota');
  // No swap file (no swap accounting): only memory.max.
  cg.create('c2', { memoryBytes: 1 << 20 });
  t.false(existsSync(join(root, 'boxify-u7/c2/memory.swap.max')));
  t.false(existsSync(join(root, 'boxify-u7/c2/cpu.max')), 'absent limits write nothing');
  t.deepEqual(cg.list(), ['c1', 'c2']);
});

test('v2: stats parsed from fixture files; "max" is null; missing files are 0', (t) => {
  const root = v2Fixture(t, '/', []);
  const cg = openCgroups({ instance: 'u8', fsRoot: root, procSelfCgroup: '0::/\n' });
  cg.create('s', {});
  put(root, {
    'boxify-u8/s/cpu.stat':
      'usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 10\nnr_throttled 4\nthrottled_usec 700\n',
    'boxify-u8/s/memory.current': '2097152\n',
    'boxify-u8/s/memory.max': 'max\n',
    'boxify-u8/s/memory.stat': 'anon 1024\nfile 4096\ninactive_file 2048\n',
    'boxify-u8/s/memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
    'boxify-u8/s/pids.current': '4\n',
    'boxify-u8/s/pids.max': '10\n',
    'boxify-u8/s/io.stat': '254:0 rbytes=512 wbytes=1024 rios=1 wios=1 dbytes=0 dios=0\n',
  });
  const s = cg.stats('s');
  t.is(s.cpuUsageNs, 5_000_000);
  t.is(s.cpuUserNs, 3_000_000);
  t.is(s.cpuSystemNs, 2_000_000);
  t.deepEqual(s.throttling, { periods: 10, throttledPeriods: 4, throttledTimeNs: 700_000 });
  t.is(s.memoryUsage, 2097152);
  t.is(s.memoryLimit, null);
  t.is(s.memoryStat.anon, 1024);
  t.is(s.inactiveFile, 2048);
  t.is(s.oomKills, 1);
  t.is(s.pidsCurrent, 4);
  t.is(s.pidsLimit, 10);
  t.deepEqual(s.ioServiceBytes, [
    { major: 254, minor: 0, op: 'Read', value: 512 },
    { major: 254, minor: 0, op: 'Write', value: 1024 },
  ]);
  writeFileSync(join(root, 'boxify-u8/s/memory.max'), '52428800\n');
  t.is(cg.stats('s').memoryLimit, 52428800);
  cg.create('none', {});
  const e = cg.stats('none');
  t.is(e.cpuUsageNs, 0);
  t.is(e.memoryLimit, null);
  t.is(e.pidsCurrent, 0);
});

test('v2: remove and removeInstance are idempotent', async (t) => {
  const root = v2Fixture(t, '/', []);
  const cg = openCgroups({ instance: 'u9', fsRoot: root, procSelfCgroup: '0::/\n' });
  cg.create('gone', {});
  await cg.remove('gone');
  await cg.remove('gone');
  t.deepEqual(cg.list(), []);
  unlinkSubtree(join(root, 'boxify-u9'));
  cg.removeInstance();
  cg.removeInstance();
  t.false(existsSync(join(root, 'boxify-u9')));
});

/** A fixture instance dir holds a plain cgroup.subtree_control file; a kernel one would not block rmdir. */
function unlinkSubtree(dir: string): void {
  rmSync(join(dir, 'cgroup.subtree_control'), { force: true });
}

// ---- swap, lifting limits, freezer ----

test('v1: swap is memsw (memory plus swap); memsw moves first when the limit grows past it; -1 lifts limits', (t) => {
  const { root, cg, rel } = v1Fixture(t);
  const mem = join(root, 'memory', rel, 'w1');
  put(root, {
    [`memory/${rel}/w1/memory.limit_in_bytes`]: '9223372036854771712\n',
    [`memory/${rel}/w1/memory.memsw.limit_in_bytes`]: '9223372036854771712\n',
  });
  cg.create('w1', { memoryBytes: 64 << 20, memorySwapBytes: 128 << 20, cpuQuotaUs: 50000, pidsMax: 5 });
  t.is(read(join(mem, 'memory.limit_in_bytes')), String(64 << 20));
  t.is(read(join(mem, 'memory.memsw.limit_in_bytes')), String(128 << 20));
  // Growing the limit past memsw (the order the kernel needs is checked on the real kernel in
  // the update integration test).
  cg.update('w1', { memoryBytes: 256 << 20 });
  t.is(read(join(mem, 'memory.limit_in_bytes')), String(256 << 20));
  t.is(read(join(mem, 'memory.memsw.limit_in_bytes')), String(256 << 20), 'no swap figure: memsw follows memory (no swap)');
  t.throws(() => cg.update('w1', { memoryBytes: 64 << 20, memorySwapBytes: 32 << 20 }), { instanceOf: BoxifyError, message: /memorySwapBytes.*at least the memory limit/ });
  cg.update('w1', { memoryBytes: -1, memorySwapBytes: -1, cpuQuotaUs: -1, pidsMax: -1 });
  t.is(read(join(mem, 'memory.limit_in_bytes')), '-1');
  t.is(read(join(mem, 'memory.memsw.limit_in_bytes')), '-1');
  t.is(read(join(root, 'cpu', rel, 'w1/cpu.cfs_quota_us')), '-1');
  t.is(read(join(root, 'pids', rel, 'w1/pids.max')), 'max');
});

test('v1: a swap limit without swap accounting is refused clearly; memory alone still works', (t) => {
  const { root, cg, rel } = v1Fixture(t);
  cg.create('w2', { memoryBytes: 64 << 20 });
  t.is(read(join(root, 'memory', rel, 'w2/memory.limit_in_bytes')), String(64 << 20));
  t.throws(() => cg.update('w2', { memoryBytes: 64 << 20, memorySwapBytes: 128 << 20 }), { instanceOf: BoxifyError, message: /swap accounting/ });
});

test('v2: MemorySwap becomes memory.swap.max = swap - memory; -1 is max', (t) => {
  const root = v2Fixture(t, '/', []);
  const cg = openCgroups({ instance: 'w3', fsRoot: root, procSelfCgroup: '0::/\n' });
  const d = join(root, 'boxify-w3/c');
  put(root, { 'boxify-w3/c/memory.swap.max': 'max\n', 'boxify-w3/c/cpu.max': 'max 100000\n' });
  cg.create('c', { memoryBytes: 64 << 20, memorySwapBytes: 96 << 20 });
  t.is(read(join(d, 'memory.max')), String(64 << 20));
  t.is(read(join(d, 'memory.swap.max')), String(32 << 20));
  cg.update('c', { memoryBytes: 128 << 20 });
  t.is(read(join(d, 'memory.swap.max')), '0', 'no swap figure: no swap');
  cg.update('c', { memoryBytes: -1, memorySwapBytes: -1, cpuQuotaUs: -1, pidsMax: -1 });
  t.is(read(join(d, 'memory.max')), 'max');
  t.is(read(join(d, 'memory.swap.max')), 'max');
  t.is(read(join(d, 'cpu.max')), 'max 100000');
  t.is(read(join(d, 'pids.max')), 'max');
});

test('v1 freezer: freeze writes FROZEN and waits for it, thaw writes THAWED; no freezer hierarchy is a clear error', async (t) => {
  const { root, cg, rel } = v1Fixture(t);
  cg.create('f0', {});
  await t.throwsAsync(() => cg.freeze('f0'), { instanceOf: BoxifyError, message: /freezer controller/ });
  t.false(cg.frozen('f0'));

  const root2 = tempRoot(t);
  for (const c of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer']) mkdirSync(join(root2, c));
  const cg2 = openCgroups({ instance: 'f1', fsRoot: root2, procSelfCgroup: HYBRID_SELF });
  cg2.create('c', {});
  const state = join(root2, 'freezer', rel.replace('u1', 'f1'), 'c/freezer.state');
  t.true(cg2.procsFiles('c').includes(join(dirname(state), 'cgroup.procs')), 'processes join the freezer cgroup too');
  writeFileSync(state, 'THAWED\n');
  await cg2.freeze('c');
  t.is(read(state), 'FROZEN');
  t.true(cg2.frozen('c'));
  await cg2.thaw('c');
  t.is(read(state), 'THAWED');
  t.false(cg2.frozen('c'));
  await t.throwsAsync(() => cg2.freeze('nope'), { instanceOf: BoxifyError, message: /no cgroup for nope/ });
  void root;
});

test('v2 freezer: cgroup.freeze is the request, cgroup.events "frozen 1" the answer; a cgroup that never freezes is thawed and reported', async (t) => {
  const root = v2Fixture(t, '/', []);
  const cg = openCgroups({ instance: 'f2', fsRoot: root, procSelfCgroup: '0::/\n' });
  cg.create('c', {});
  const d = join(root, 'boxify-f2/c');
  put(root, { 'boxify-f2/c/cgroup.events': 'populated 1\nfrozen 1\n' });
  await cg.freeze('c');
  t.is(read(join(d, 'cgroup.freeze')), '1');
  t.true(cg.frozen('c'));
  put(root, { 'boxify-f2/c/cgroup.events': 'populated 1\nfrozen 0\n' });
  await cg.thaw('c');
  t.is(read(join(d, 'cgroup.freeze')), '0');
  t.false(cg.frozen('c'));
  const v2freezer = await import('../../src/core/cgroups/v2/freezer.js');
  const err = await t.throwsAsync(() => v2freezer.freeze(d, 100), { instanceOf: BoxifyError });
  t.regex(err!.message, /freeze .*did not settle within 100 ms/);
  t.is(read(join(d, 'cgroup.freeze')), '0', 'undone');
});
