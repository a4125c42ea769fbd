// boxify-init and the launcher on the real kernel: each test starts a real container from a
// busybox rootfs (overlay, namespaces, pivot_root) and checks what its command saw.
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildBusyboxRootfs } from '../../src/core/images/busybox.js';
import { launchContainer, readExitFile, StartError, type Launched } from '../../src/core/sys/launcher.js';
import type { InitSpec } from '../../src/core/sys/init-protocol.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('SKIPPED: test/integration/init.test.ts needs root (namespaces, mounts, pivot_root)');
const rootTest = isRoot ? test : test.skip;

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bxinit-'));
const lower = path.join(base, 'lower');

test.before(() => {
  if (isRoot) buildBusyboxRootfs(lower);
});
test.after.always(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  dir: string;
  launched?: Launched;
}

type SpecEdit = (spec: InitSpec, dir: string) => void;

/** A fresh container directory: per-test upper/work/merged and /etc files. */
function prepare(t: ExecutionContext, args: string[], edit?: SpecEdit): { spec: InitSpec; dir: string } {
  const dir = fs.mkdtempSync(path.join(base, 'c-'));
  for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d));
  const hostname = `bx${randomBytes(3).toString('hex')}`;
  fs.writeFileSync(path.join(dir, 'hostname'), `${hostname}\n`);
  fs.writeFileSync(path.join(dir, 'hosts'), `127.0.0.1\tlocalhost\n`);
  fs.writeFileSync(path.join(dir, 'resolv.conf'), '');
  const spec: InitSpec = {
    id: path.basename(dir),
    rootfs: { lowerDirs: [lower], upperDir: path.join(dir, 'upper'), workDir: path.join(dir, 'work'), mergedDir: path.join(dir, 'merged'), readonly: false },
    hostname,
    etcFiles: { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf') },
    mounts: [],
    process: { args, env: ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'HOME=/root'], cwd: '/', uid: 0, gid: 0, additionalGids: [] },
    cgroupProcs: [],
    cgroupNamespace: false,
    rlimits: [],
  };
  edit?.(spec, dir);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { spec, dir };
}

/** Starts the container; `whileRunning` runs after execve succeeded; resolves when the shim has exited. */
async function run(
  t: ExecutionContext,
  args: string[],
  opts: { edit?: SpecEdit; whileRunning?: (l: Launched) => Promise<void> | void; onReady?: (pid: number) => Promise<void> } = {},
): Promise<Run> {
  const { spec, dir } = prepare(t, args, opts.edit);
  const out = fs.openSync(path.join(dir, 'stdout'), 'w+');
  const err = fs.openSync(path.join(dir, 'stderr'), 'w+');
  const exitFile = path.join(dir, 'exit');
  let launched: Launched | undefined;
  t.teardown(() => {
    // Whatever happened, no process of this container outlives the test.
    if (launched) {
      try {
        process.kill(-launched.shimPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  try {
    launched = await launchContainer({
      spec,
      node: process.execPath,
      specPath: path.join(dir, 'spec.json'),
      exitFile,
      stdio: ['ignore', out, err],
      onReady: opts.onReady ?? (async () => {}),
      timeoutMs: 120_000, // generous: the emulated cgroup v2 VM is 5-20x slower
    });
    await opts.whileRunning?.(launched);
    await launched.exited;
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
  // The container's mounts lived in its own mount namespace: none may show on the host.
  const leaked = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
  t.deepEqual(leaked, [], 'container mounts visible in the host mount namespace');
  return {
    stdout: fs.readFileSync(path.join(dir, 'stdout'), 'utf8'),
    stderr: fs.readFileSync(path.join(dir, 'stderr'), 'utf8'),
    exitCode: readExitFile(exitFile),
    dir,
    launched,
  };
}

const lines = (s: string) => s.split('\n').filter(Boolean);

rootTest('the command is PID 1', async (t) => {
  const r = await run(t, ['sh', '-c', 'echo $$']);
  t.is(r.stdout, '1\n');
  t.is(r.exitCode, 0);
});

rootTest('only the container processes are visible', async (t) => {
  const r = await run(t, ['sh', '-c', 'ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\\n" " "; echo; ps -o pid,comm']);
  const [pids, ...ps] = lines(r.stdout);
  // PID 1 (sh) and the pipeline's own processes, all born in this namespace
  t.is(pids.trim().split(' ')[0], '1');
  t.true(pids.trim().split(' ').length <= 5, pids);
  // sh has exec'd ps, its last command: PID 1 is the only process left
  t.deepEqual(ps.map((l) => l.trim().split(/\s+/)), [['PID', 'COMMAND'], ['1', 'ps']]);
});

rootTest('ls /proc shows one process when the command runs alone', async (t) => {
  const r = await run(t, ['ls', '/proc']);
  t.deepEqual(lines(r.stdout).filter((n) => /^\d+$/.test(n)), ['1']);
});

rootTest('the hostname is the spec hostname', async (t) => {
  let want = '';
  const r = await run(t, ['sh', '-c', 'hostname; cat /etc/hostname'], { edit: (s) => (want = s.hostname) });
  t.is(r.stdout, `${want}\n${want}\n`);
  t.not(want, os.hostname());
});

rootTest('only container mounts are listed and host files are unreachable', async (t) => {
  const marker = path.join(base, `marker-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(marker, 'host secret\n');
  t.teardown(() => fs.rmSync(marker, { force: true }));
  // Without Docker's /proc and /sys masks, so the list is exactly the container's own mounts
  // (the masks are tested with the hardening suite).
  const r = await run(t, ['sh', '-c', `cut -d" " -f2 /proc/mounts; ls /; cat ${marker}; echo rc=$?`], {
    edit: (spec) => {
      spec.maskPaths = false;
    },
  });
  const out = lines(r.stdout);
  const rc = out.pop();
  const mountPoints = out.filter((l) => l.startsWith('/') && out.indexOf(l) < 10);
  t.deepEqual(mountPoints.sort(), ['/', '/dev', '/dev/mqueue', '/dev/pts', '/dev/shm', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/sys']);
  t.deepEqual(out.slice(mountPoints.length).sort(), fs.readdirSync(lower).sort());
  t.is(rc, 'rc=1');
  t.regex(r.stderr, /No such file or directory/);
});

rootTest('/dev holds exactly the allowed nodes and /sys is read-only', async (t) => {
  const r = await run(t, ['sh', '-c', 'ls /dev; ls -l /dev/null /dev/tty /dev/urandom; touch /sys/x; echo rc=$?']);
  const out = lines(r.stdout);
  t.deepEqual(out.slice(0, 14), ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
  t.regex(out[14], /^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 .* \/dev\/null$/);
  t.regex(out[15], /^crw-rw-rw-\s+1 root\s+root\s+5,\s+0 .* \/dev\/tty$/);
  t.regex(out[16], /^crw-rw-rw-\s+1 root\s+root\s+1,\s+9 .* \/dev\/urandom$/);
  t.is(out[17], 'rc=1');
  t.regex(r.stderr, /Read-only file system/);
});

rootTest('a missing command is a StartError with exit code 127', async (t) => {
  let exitFile = '';
  const err = await t.throwsAsync(
    run(t, ['no-such-command'], { edit: (_s, dir) => (exitFile = path.join(dir, 'exit')) }),
    { instanceOf: StartError },
  );
  t.is(err?.exitCode, 127);
  t.is(err?.message, 'exec: "no-such-command": executable file not found in $PATH');
  t.is(err?.status, 400);
  // the shim has recorded it by the time the launch fails
  t.is(readExitFile(exitFile), 127);
});

rootTest('a file that is not executable is a StartError with exit code 126', async (t) => {
  const err = await t.throwsAsync(run(t, ['/etc/passwd']), { instanceOf: StartError });
  t.is(err?.exitCode, 126);
  t.regex(err?.message ?? '', /permission denied/);
});

rootTest('the exit status lands in the exit file', async (t) => {
  const r = await run(t, ['sh', '-c', 'exit 3']);
  t.is(r.exitCode, 3);
});

rootTest('SIGKILL of the container gives 137', async (t) => {
  const r = await run(t, ['sh', '-c', 'echo up; exec sleep 600'], {
    whileRunning: (l) => {
      process.kill(l.pid, 'SIGKILL');
    },
  });
  t.is(r.exitCode, 137);
});

rootTest('writes land in the upper dir', async (t) => {
  const r = await run(t, ['sh', '-c', 'echo written > /data.txt; rm /etc/os-release']);
  t.is(r.exitCode, 0);
  t.is(fs.readFileSync(path.join(r.dir, 'upper', 'data.txt'), 'utf8'), 'written\n');
  // a deleted lower file is a whiteout in the upper dir; the lower dir is untouched
  t.true(fs.statSync(path.join(r.dir, 'upper', 'etc', 'os-release')).isCharacterDevice());
  t.true(fs.existsSync(path.join(lower, 'etc', 'os-release')));
});

rootTest('env and cwd are honoured, a missing cwd is created', async (t) => {
  const r = await run(t, ['sh', '-c', 'echo "$FOO"; pwd; echo "$PATH"'], {
    edit: (s) => {
      s.process.env = ['FOO=bar baz', 'PATH=/bin:/usr/bin'];
      s.process.cwd = '/work/here';
    },
  });
  t.deepEqual(lines(r.stdout), ['bar baz', '/work/here', '/bin:/usr/bin']);
});

rootTest('a read-only bind mount is read-only inside, a writable one is writable', async (t) => {
  const ro = fs.mkdtempSync(path.join(base, 'ro-'));
  const rw = fs.mkdtempSync(path.join(base, 'rw-'));
  t.teardown(() => {
    fs.rmSync(ro, { recursive: true, force: true });
    fs.rmSync(rw, { recursive: true, force: true });
  });
  fs.writeFileSync(path.join(ro, 'f'), 'from host\n');
  const r = await run(t, ['sh', '-c', 'cat /data/ro/f; touch /data/ro/x; echo rc=$?; touch /rw/y; echo rc=$?'], {
    edit: (s) => {
      s.mounts = [
        { type: 'bind', source: ro, target: '/data/ro', readonly: true },
        { type: 'bind', source: rw, target: '/rw', readonly: false },
      ];
    },
  });
  t.deepEqual(lines(r.stdout), ['from host', 'rc=1', 'rc=0']);
  t.regex(r.stderr, /Read-only file system/);
  t.false(fs.existsSync(path.join(ro, 'x')));
  t.true(fs.existsSync(path.join(rw, 'y')));
});

rootTest('a tmpfs mount gets its data; a symlinked target stays inside the rootfs', async (t) => {
  const name = `bxt-${randomBytes(4).toString('hex')}`;
  const r = await run(t, ['sh', '-c', `grep -E " /(scratch|tmp/${name}) " /proc/mounts`], {
    edit: (s, dir) => {
      // /escape -> /tmp in the image: the mount must land on the container's /tmp, not the host's
      fs.symlinkSync('/tmp', path.join(dir, 'upper', 'escape'));
      s.mounts = [
        { type: 'tmpfs', source: 'tmpfs', target: '/scratch', readonly: false, data: 'size=1m,mode=1777' },
        { type: 'tmpfs', source: 'tmpfs', target: `/escape/${name}`, readonly: false },
      ];
    },
  });
  const out = lines(r.stdout);
  t.regex(out[0], /^tmpfs \/scratch tmpfs rw,nosuid,nodev,relatime,size=1024k /);
  t.regex(out[1], new RegExp(`^tmpfs /tmp/${name} tmpfs `));
  t.false(fs.existsSync(`/tmp/${name}`));
  t.true(fs.existsSync(path.join(r.dir, 'upper', 'tmp', name)));
});

rootTest('a mount target climbing out of the rootfs is refused', async (t) => {
  const err = await t.throwsAsync(
    run(t, ['true'], { edit: (s) => (s.mounts = [{ type: 'tmpfs', source: 'tmpfs', target: '/../../x', readonly: false }]) }),
    { instanceOf: StartError },
  );
  t.is(err?.step, 'mounts');
  t.regex(err?.message ?? '', /^mounts: mount target \/\.\.\/\.\.\/x resolves outside/);
  t.is(err?.exitCode, 1);
});

rootTest('a failing step is named with its path and errno', async (t) => {
  let merged = '';
  const err = await t.throwsAsync(
    run(t, ['true'], {
      edit: (s) => {
        s.rootfs.lowerDirs = [lower, path.join(base, 'no-such-layer')];
        merged = s.rootfs.mergedDir;
      },
    }),
    { instanceOf: StartError },
  );
  t.is(err?.message, `rootfs: mount overlay on ${merged}: ENOENT`);
  t.is(err?.step, 'rootfs');
  t.is(err?.exitCode, 1);
});

rootTest('a read-only rootfs cannot be written', async (t) => {
  const r = await run(t, ['sh', '-c', 'touch /x; echo rc=$?; echo ok > /dev/shm/y && cat /dev/shm/y'], { edit: (s) => (s.rootfs.readonly = true) });
  t.deepEqual(lines(r.stdout), ['rc=1', 'ok']);
  t.false(fs.existsSync(path.join(r.dir, 'upper', 'x')));
});

rootTest('uid, gid, groups and rlimits are applied (clamped to the hard limit)', async (t) => {
  const r = await run(t, ['sh', '-c', 'id; ulimit -Sn; ulimit -Hn'], {
    edit: (s) => {
      s.process.uid = 65534;
      s.process.gid = 65534;
      s.process.additionalGids = [10, 20];
      s.rlimits = [{ type: 'nofile', soft: 512, hard: 100_000_000 }];
    },
  });
  const hard = fs.readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+\d+\s+(\d+)/m)![1];
  t.deepEqual(lines(r.stdout), ['uid=65534(nobody) gid=65534(nogroup) groups=10,20', '512', hard]);
});

rootTest('no fd leaks into the command and no signal is ignored or blocked', async (t) => {
  const fds = await run(t, ['sh', '-c', 'ls /proc/$$/fd; true']); // "; true": sh stays, not exec'd into ls
  t.deepEqual(lines(fds.stdout), ['0', '1', '2']);
  // exec'd directly: a shell would ignore SIGQUIT itself
  const status = await run(t, ['cat', '/proc/self/status']);
  t.deepEqual(
    lines(status.stdout).filter((l) => /^Sig(Blk|Ign)/.test(l)),
    ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000'],
  );
});

rootTest('onReady gets the host PID before the command runs; its failure stops the container', async (t) => {
  let readyPid = 0;
  let commandLine = '';
  let dir = '';
  const err = await t.throwsAsync(
    run(t, ['sh', '-c', 'echo should not run'], {
      edit: (_s, d) => (dir = d),
      onReady: async (pid) => {
        readyPid = pid;
        // the host's view of the process that is PID 1 inside
        commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        throw new Error('network wiring failed');
      },
    }),
  );
  t.is(err?.message, 'network wiring failed');
  t.true(readyPid > 1);
  t.regex(commandLine, /init\/main\.js/);
  // init saw EOF at the gate and exited 1 without running the command
  t.is(readExitFile(path.join(dir, 'exit')), 1);
  t.is(fs.readFileSync(path.join(dir, 'stdout'), 'utf8'), '');
  t.is(fs.readFileSync(path.join(dir, 'stderr'), 'utf8'), '');
});

rootTest('the launch resolves with the PID the command runs as', async (t) => {
  let comm = '';
  await run(t, ['sh', '-c', 'exec sleep 600'], {
    whileRunning: (l) => {
      comm = fs.readFileSync(`/proc/${l.pid}/comm`, 'utf8').trim();
      process.kill(l.pid, 'SIGKILL');
    },
  });
  // execve happened before the launch resolved (sh has exec'd sleep, or is about to; a
  // static busybox built with FEATURE_SH_STANDALONE runs applets through /proc/self/exe,
  // which the kernel names "exe")
  t.true(comm === 'sh' || comm === 'sleep' || comm === 'exe', comm);
});

// A cgroup below our own: in the v1 memory hierarchy on hybrid hosts, in the unified one on
// pure v2 hosts. The join itself is the same write of "0" to cgroup.procs.
const cgroupTarget = (() => {
  const own = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = own.find((l) => /^\d+:memory:/.test(l));
  if (v1 && fs.existsSync('/sys/fs/cgroup/memory')) return { mount: '/sys/fs/cgroup/memory', path: v1.split(':')[2], line: /^\d+:memory:(.*)$/ };
  const v2 = own.find((l) => l.startsWith('0::'));
  if (v2 && fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) return { mount: '/sys/fs/cgroup', path: v2.slice(3), line: /^0::(.*)$/ };
  return undefined;
})();
const cgroupTest = isRoot && cgroupTarget ? test : test.skip;
if (!(isRoot && cgroupTarget)) console.warn('SKIPPED: cgroup join test needs root and a v1 memory or a v2 hierarchy');

cgroupTest('init joins the cgroup late and can unshare a cgroup namespace', async (t) => {
  const { mount, path: own, line } = cgroupTarget!;
  const rel = path.posix.join(own, `bxt-init-${randomBytes(3).toString('hex')}`);
  const cg = path.join(mount, rel);
  fs.mkdirSync(cg);
  t.teardown(() => fs.rmdirSync(cg));
  const seen = async (ns: boolean) => {
    const r = await run(t, ['cat', '/proc/self/cgroup'], {
      edit: (s) => {
        s.cgroupProcs = [path.join(cg, 'cgroup.procs')];
        s.cgroupNamespace = ns;
      },
      onReady: async (pid) => {
        // not yet: Node's start-up is not charged to the container
        t.false(fs.readFileSync(path.join(cg, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)));
      },
    });
    return lines(r.stdout).map((l) => l.match(line)?.[1]).find((x) => x !== undefined);
  };
  t.is(await seen(false), rel);
  t.is(await seen(true), '/');
});

// BOXIFY_INIT swaps the init program; serial tests run before the concurrent ones, alone.
async function withInit<T>(t: ExecutionContext, source: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(base, `fake-init-${randomBytes(3).toString('hex')}.mjs`);
  fs.writeFileSync(file, source);
  const saved = process.env.BOXIFY_INIT;
  process.env.BOXIFY_INIT = file;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.BOXIFY_INIT;
    else process.env.BOXIFY_INIT = saved;
    fs.rmSync(file, { force: true });
  }
}

(isRoot ? test.serial : test.skip)('an init that dies before ready is reported with its stderr and status', async (t) => {
  const err = await withInit(t, 'console.error("init blew up: no koffi"); process.exit(7);', () =>
    t.throwsAsync(run(t, ['true']), { instanceOf: StartError }),
  );
  t.regex(err?.message ?? '', /boxify-init exited \(status 7\) before it was ready: init blew up: no koffi$/);
  t.is(err?.exitCode, 7);
});

(isRoot ? test.serial : test.skip)('an init that never gets ready is killed at the timeout', async (t) => {
  const { spec, dir } = prepare(t, ['true']);
  const started = Date.now();
  // blocks forever, holding fds 3 and 4 open
  const err = await withInit(t, 'setInterval(() => {}, 1000);', () =>
    t.throwsAsync(
      launchContainer({ spec, node: process.execPath, specPath: path.join(dir, 'spec.json'), exitFile: path.join(dir, 'exit'), stdio: ['ignore', 1, 2], onReady: async () => {}, timeoutMs: 300 }),
    ),
  );
  t.regex(err?.message ?? '', /boxify-init did not get ready within 300 ms; it was killed/);
  t.true(Date.now() - started < 60_000);
  // the launch returned only once the shim was gone; killed, it wrote no exit file
  t.is(readExitFile(path.join(dir, 'exit')), null);
});
