// A container is isolated from the host: it is PID 1 of its own process list, has its own
// hostname, sees only its own mounts on an overlay root reached by pivot_root, a /dev with
// only the allowed nodes, and a read-only /sys. All through the API against a real boxifyd.
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { daemonForFile } from '../helpers/daemon.js';
import { runToExit, startContainer } from '../helpers/wait.js';

const d = daemonForFile(test);

const busybox = (script: string, extra: Record<string, unknown> = {}) => ({ Image: 'busybox', Cmd: ['sh', '-c', script], ...extra });

test.serial('the command is PID 1 and sees only its own processes', async (t) => {
  const r = await runToExit(d.client, busybox('echo pid=$$; ps -o pid,comm; echo ---; ls /proc'));
  t.is(r.exitCode, 0, r.stderr);
  const [head, procList] = r.stdout.split('---\n');
  const lines = head!.trim().split('\n');
  t.is(lines[0], 'pid=1');
  // ps's own list: a header, sh as PID 1 and ps itself, never a host process.
  const ps = lines.slice(2).map((l) => l.trim().split(/\s+/));
  t.deepEqual(ps.map((p) => p[1]), ['sh', 'ps'], head);
  t.is(ps[0]![0], '1');
  // /proc holds sh (1) and ls (busybox may run ls inside sh itself).
  const pids = procList!.split(/\s+/).filter((n) => /^\d+$/.test(n)).map(Number);
  t.true(pids.length >= 1 && pids.length <= 2, `/proc lists ${pids.join(" ")}`);
  t.true(pids.includes(1));
  const hostPids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  t.true(hostPids > 20, 'the host has many more processes than the container sees');
});

test.serial('a running container is its command directly, in its own namespaces', async (t) => {
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'] });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  const pid = (await d.client.inspectContainer(id)).State.Pid;
  t.true(pid > 0);
  // No process of ours sits between: the host PID is the command itself, PID 1 inside.
  t.is(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '), 'sleep 1000');
  const nspid = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!.trim().split(/\s+/);
  t.deepEqual(nspid, [String(pid), '1']);
  for (const ns of ['pid', 'uts', 'ipc', 'net', 'mnt', 'cgroup']) {
    t.not(fs.readlinkSync(`/proc/${pid}/ns/${ns}`), fs.readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace is the host's`);
  }
});

test.serial('the default hostname is the first 12 characters of the id', async (t) => {
  const r = await runToExit(d.client, busybox('hostname; cat /etc/hostname'));
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, `${r.id.slice(0, 12)}\n${r.id.slice(0, 12)}\n`);
  t.is((await d.client.inspectContainer(r.id)).Config.Hostname, r.id.slice(0, 12));
});

test.serial('a given Hostname is the container\'s own and the host keeps its name', async (t) => {
  const before = os.hostname();
  const r = await runToExit(d.client, busybox('hostname; cat /etc/hostname; grep -c web-1 /etc/hosts', { Hostname: 'web-1' }));
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, 'web-1\nweb-1\n1\n');
  t.is(os.hostname(), before);
});

test.serial('only its own mounts: overlay root, fresh /proc, /dev, /sys and the /etc files', async (t) => {
  const r = await runToExit(d.client, busybox('cat /proc/mounts'));
  t.is(r.exitCode, 0, r.stderr);
  const mounts = r.stdout.trim().split('\n').map((l) => l.split(' '));
  const points = mounts.map((m) => m[1]!);
  const own = ['/', '/dev', '/dev/mqueue', '/dev/pts', '/dev/shm', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/sys'];
  t.deepEqual(points.filter((p) => own.includes(p)).sort(), own);
  // Besides those, only Docker's masked and read-only kernel paths: each an empty tmpfs, a
  // /dev/null bind (shown as the /dev tmpfs) or a read-only proc, never a host directory.
  const maskable = [
    '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
    '/proc/sched_debug', '/proc/scsi', '/proc/interrupts', '/sys/firmware', '/sys/devices/virtual/powercap',
    '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
  ];
  for (const m of mounts.filter((x) => !own.includes(x[1]!))) {
    t.true(maskable.includes(m[1]!), `unexpected mount: ${m.join(' ')}`);
    t.true(m[2] === 'tmpfs' || (m[2] === 'proc' && m[3]!.split(',').includes('ro')), `${m[1]} is neither a mask nor read-only: ${m.join(' ')}`);
  }
  const root = mounts.find((m) => m[1] === '/')!;
  t.is(root[2], 'overlay', `/ is ${root.join(' ')}`);
  t.true(root[3]!.includes(r.id), 'the overlay upper dir is the container\'s own');
  t.is(mounts.find((m) => m[1] === '/proc')![2], 'proc');
  t.is(mounts.find((m) => m[1] === '/dev/pts')![2], 'devpts');
});

test.serial('pivot_root: a file the host made under /tmp is unreachable from the container', async (t) => {
  const name = `boxify-marker-${crypto.randomBytes(4).toString('hex')}`;
  const marker = `/tmp/${name}`;
  fs.writeFileSync(marker, 'host secret\n');
  t.teardown(() => fs.rmSync(marker, { force: true }));
  const r = await runToExit(
    d.client,
    busybox(
      `ls ${marker} 2>&1; cat /proc/1/root${marker} 2>&1; find / -xdev -name ${name} 2>/dev/null | wc -l; ` +
        `ls /proc/1/root/work /work 2>&1; echo end`,
    ),
  );
  t.is(r.exitCode, 0, r.stderr);
  t.false(r.stdout.includes('host secret'), r.stdout);
  const lines = r.stdout.trim().split('\n');
  t.regex(lines[0]!, /No such file or directory/);
  t.regex(lines[1]!, /No such file or directory/);
  t.is(lines[2], '0');
  t.is(lines.at(-1), 'end');
  t.true(fs.existsSync(marker), 'the marker is still on the host');
});

test.serial('/dev holds exactly the allowed nodes, as device nodes', async (t) => {
  const r = await runToExit(
    d.client,
    busybox('ls -A /dev | sort | tr "\\n" " "; echo; ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; echo hi > /dev/null && echo null-ok'),
  );
  t.is(r.exitCode, 0, r.stderr);
  const [list, ...rest] = r.stdout.trim().split('\n');
  t.deepEqual(
    list!.trim().split(' ').sort(),
    ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero'].sort(),
  );
  // char devices with the kernel's fixed numbers, so they are the real nodes and not files.
  const majors: Record<string, string> = { null: '1, +3', zero: '1, +5', full: '1, +7', random: '1, +8', urandom: '1, +9', tty: '5, +0' };
  for (const [node, mm] of Object.entries(majors)) {
    const line = rest.find((l) => l.endsWith(`/dev/${node}`));
    t.truthy(line, `/dev/${node} listed`);
    t.regex(line!, new RegExp(`^c.* ${mm} `), line);
  }
  t.is(rest.at(-1), 'null-ok');
});

test.serial('/sys is read-only', async (t) => {
  const r = await runToExit(
    d.client,
    busybox('grep " /sys " /proc/mounts; mkdir /sys/fs/boxify-test 2>&1; echo mkdir=$?; touch /sys/x 2>&1; echo touch=$?; ls /sys/class >/dev/null && echo readable'),
  );
  t.is(r.exitCode, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.regex(lines[0]!, /^sysfs \/sys sysfs ro[,\s]/);
  t.regex(r.stdout, /Read-only file system/);
  t.regex(r.stdout, /mkdir=[1-9]/);
  t.regex(r.stdout, /touch=[1-9]/);
  t.regex(r.stdout, /readable/);
  t.false(fs.existsSync('/sys/fs/boxify-test'));
});
