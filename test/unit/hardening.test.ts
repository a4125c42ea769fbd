// Pure logic of container hardening: resolving HostConfig into the confinement init applies
// (capabilities per cgroup version, ulimits, --tmpfs), the exec command line, the v1 device
// allowlist written to a fixture directory, and the masked/read-only path lists.
import test from 'ava';
import path from 'node:path';
import { BoxifyError } from '../../src/core/errors.js';
import { DEFAULT_NOFILE, resolveContainerSecurity, resolveTmpfs, resolveUlimits } from '../../src/core/security/container.js';
import { DOCKER_DEFAULT_CAPS } from '../../src/core/security/capabilities.js';
import { enterCommand } from '../../src/core/sys/enter.js';
import { EXEC_SPEC_ENV, type ExecSpec } from '../../src/core/sys/init-protocol.js';
import * as devices from '../../src/core/cgroups/v1/devices.js';
import { MASKED_PATHS, READONLY_PATHS } from '../../src/init/steps/harden.js';
import { ownCgroupFile, parseExecSpec } from '../../src/init/steps/enter.js';

const v1 = { cgroupVersion: 1 as const };
const v2 = { cgroupVersion: 2 as const };

function invalid(t: import('ava').ExecutionContext, fn: () => unknown, field: RegExp): void {
  const e = t.throws(fn);
  t.true(e instanceof BoxifyError, String(e));
  t.is((e as BoxifyError).status, 400);
  t.regex(e!.message, field);
}

test('defaults: Docker\'s capabilities without NET_RAW, no_new_privs, default seccomp, masks, nofile 1024', (t) => {
  const s = resolveContainerSecurity({}, v1);
  t.deepEqual([...s.security.capabilities].sort(), DOCKER_DEFAULT_CAPS.filter((c) => c !== 'CAP_NET_RAW').sort());
  t.true(s.security.noNewPrivs);
  t.is(s.security.seccomp, 'default');
  t.true(s.maskPaths);
  t.false(s.readonlyRootfs);
  t.deepEqual(s.rlimits, [DEFAULT_NOFILE]);
  t.deepEqual(s.tmpfs, []);
});

test('cgroup v2 (no device cgroup): MKNOD is dropped unless asked for', (t) => {
  t.false(resolveContainerSecurity({}, v2).security.capabilities.includes('CAP_MKNOD'));
  t.true(resolveContainerSecurity({}, v1).security.capabilities.includes('CAP_MKNOD'));
  t.true(resolveContainerSecurity({ CapAdd: ['MKNOD'] }, v2).security.capabilities.includes('CAP_MKNOD'));
  t.true(resolveContainerSecurity({ CapAdd: ['cap_mknod'] }, v2).security.capabilities.includes('CAP_MKNOD'));
  t.true(resolveContainerSecurity({ Privileged: true }, v2).security.capabilities.includes('CAP_MKNOD'));
  // An invalid CapDrop is still reported, not swallowed by the v2 rule.
  invalid(t, () => resolveContainerSecurity({ CapDrop: 'CHOWN' as unknown as string[] }, v2), /CapDrop/);
});

test('privileged: every capability, unconfined, no masks; options are checked', (t) => {
  const s = resolveContainerSecurity({ Privileged: true }, v1);
  t.true(s.security.privileged);
  t.is(s.security.seccomp, 'unconfined');
  t.false(s.maskPaths);
  t.false(resolveContainerSecurity({ SecurityOpt: ['no-new-privileges=false'] }, v1).security.noNewPrivs);
  invalid(t, () => resolveContainerSecurity({ CapAdd: ['NOPE'] }, v1), /CapAdd/);
  invalid(t, () => resolveContainerSecurity({ SecurityOpt: ['bogus'] }, v1), /SecurityOpt/);
  invalid(t, () => resolveContainerSecurity({ Privileged: 'yes' as unknown as boolean }, v1), /Privileged/);
  invalid(t, () => resolveContainerSecurity({ ReadonlyRootfs: 1 as unknown as boolean }, v1), /ReadonlyRootfs/);
  t.true(resolveContainerSecurity({ ReadonlyRootfs: true }, v1).readonlyRootfs);
});

test('ulimits: names, -1 as unlimited, soft <= hard, the nofile default kept unless given', (t) => {
  t.deepEqual(resolveUlimits([{ Name: 'nproc', Soft: 10, Hard: 20 }]), [{ type: 'nproc', soft: 10, hard: 20 }, DEFAULT_NOFILE]);
  t.deepEqual(resolveUlimits([{ Name: 'nofile', Soft: 100, Hard: -1 }]), [{ type: 'nofile', soft: 100, hard: -1 }]);
  t.deepEqual(resolveUlimits([{ Name: 'RLIMIT_CORE', Soft: 0, Hard: 0 }])[0], { type: 'core', soft: 0, hard: 0 });
  invalid(t, () => resolveUlimits([{ Name: 'bogus', Soft: 1, Hard: 1 }]), /Ulimits.*unknown ulimit "bogus"/);
  invalid(t, () => resolveUlimits([{ Name: 'nofile', Soft: 20, Hard: 10 }]), /soft limit 20 is above the hard limit 10/);
  invalid(t, () => resolveUlimits([{ Name: 'nofile', Soft: -1, Hard: 10 }]), /above the hard limit/);
  invalid(t, () => resolveUlimits([{ Name: 'nofile', Soft: 1.5, Hard: 10 }]), /whole number/);
  invalid(t, () => resolveUlimits([{ Name: 'nofile', Soft: 1, Hard: 1 }, { Name: 'nofile', Soft: 1, Hard: 1 }]), /twice/);
  invalid(t, () => resolveUlimits({} as never), /Ulimits/);
});

test('--tmpfs: Docker\'s noexec default, exec and ro flags, values checked', (t) => {
  t.deepEqual(resolveTmpfs({ '/run': '' }), [{ source: 'tmpfs', target: '/run', type: 'tmpfs', readonly: false, noexec: true, data: undefined }]);
  t.deepEqual(resolveTmpfs({ '/data/': 'size=64m,mode=1777,exec,ro,uid=1000' }), [
    { source: 'tmpfs', target: '/data/', type: 'tmpfs', readonly: true, noexec: false, data: 'size=64m,mode=1777,uid=1000' },
  ]);
  invalid(t, () => resolveTmpfs({ run: '' }), /absolute path/);
  invalid(t, () => resolveTmpfs({ '/': '' }), /below \//);
  invalid(t, () => resolveTmpfs({ '/a/../b': '' }), /\.\./);
  invalid(t, () => resolveTmpfs({ '/run': 'size=lots' }), /size="lots"/);
  invalid(t, () => resolveTmpfs({ '/run': 'mode=999' }), /mode/);
  invalid(t, () => resolveTmpfs({ '/run': 'lowerdir=/etc' }), /unknown tmpfs option "lowerdir"/);
  invalid(t, () => resolveTmpfs({ '/run': 'bind' }), /unknown tmpfs option "bind"/);
  invalid(t, () => resolveTmpfs({ '/run': 5 as unknown as string }), /options must be a string/);
});

const PROGRAM = { node: '/var/lib/boxify/run/node', init: '/opt/boxify/dist/src/init/main.js' };

test('enterCommand: the daemon\'s read-only node runs boxify-init exec in the host\'s namespaces, the spec is in the environment only', (t) => {
  const security = resolveContainerSecurity({ CapDrop: ['CHOWN'] }, v1).security;
  const c = enterCommand(
    {
      pid: 4242,
      pidStartTime: '99',
      cgroupJoin: ['/sys/fs/cgroup/memory/x/tasks'],
      cwd: '/w',
      uid: 5,
      gid: 6,
      env: ['SECRET=s3cr3t', 'PATH=/bin'],
      security,
      rlimits: [DEFAULT_NOFILE],
      program: PROGRAM,
    },
    ['sh', '-c', 'echo hi'],
  );
  // No nsenter: the entering process joins nothing before it runs, and never the PID namespace.
  t.is(c.file, PROGRAM.node);
  t.deepEqual(c.args, ['--v8-pool-size=1', PROGRAM.init, 'exec']);
  t.false(c.args.join(' ').includes('s3cr3t'), 'env values never in argv (visible to every user in ps)');
  const spec = JSON.parse(c.env[EXEC_SPEC_ENV]!) as ExecSpec;
  t.is(spec.pid, 4242);
  t.is(spec.pidStartTime, '99');
  t.deepEqual(spec.cgroupJoin, ['/sys/fs/cgroup/memory/x/tasks']);
  t.deepEqual(spec.process, { args: ['sh', '-c', 'echo hi'], env: ['SECRET=s3cr3t', 'PATH=/bin'], cwd: '/w', uid: 5, gid: 6, additionalGids: [] });
  t.false(spec.security.capabilities.includes('CAP_CHOWN'));
  t.deepEqual(Object.keys(c.env), ['BOXIFY_EXEC_SPEC']);
  // What init reads back is the same spec.
  t.deepEqual(parseExecSpec(c.env[EXEC_SPEC_ENV], 'env'), spec);
});

test('enterCommand without security options uses the defaults, never unconfined', (t) => {
  const c = enterCommand({ pid: 7, cgroupJoin: [], cwd: '', program: PROGRAM }, ['true']);
  const spec = JSON.parse(c.env[EXEC_SPEC_ENV]!) as ExecSpec;
  t.is(spec.security.seccomp, 'default');
  t.true(spec.security.noNewPrivs);
  t.is(spec.process.cwd, '/');
});

const MOUNTINFO = [
  '22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw',
  '30 22 0:26 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '32 30 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory',
  '33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpu,cpuacct',
  '34 30 0:30 / /sys/fs/cgroup/systemd rw,nosuid shared:13 - cgroup cgroup rw,xattr,name=systemd',
  '35 30 0:31 /sub /sys/fs/cgroup/pi\\040ds rw,nosuid shared:14 - cgroup cgroup rw,pids',
].join('\n');
const SELF_CGROUP = ['6:pids:/sub/me', '4:memory:/process_api/abc', '3:cpu,cpuacct:/', '1:name=systemd:/user.slice', '0::/init.scope'].join('\n');

test('ownCgroupFile: the same file in this process\'s own cgroup of the hierarchy the join file is in', (t) => {
  const own = (f: string) => ownCgroupFile(f, MOUNTINFO, SELF_CGROUP);
  t.is(own('/sys/fs/cgroup/memory/process_api/abc/boxify-1/c1/tasks'), '/sys/fs/cgroup/memory/process_api/abc/tasks');
  t.is(own('/sys/fs/cgroup/cpu,cpuacct/process_api/abc/boxify-1/c1/tasks'), '/sys/fs/cgroup/cpu,cpuacct/tasks');
  t.is(own('/sys/fs/cgroup/systemd/x/tasks'), '/sys/fs/cgroup/systemd/user.slice/tasks');
  // A mount of a sub-tree (its root is /sub), with an escaped space in its mount point.
  t.is(own('/sys/fs/cgroup/pi ds/boxify/c1/tasks'), '/sys/fs/cgroup/pi ds/me/tasks');
  t.is(own('/sys/fs/cgroup/unified/boxify-1/c1/cgroup.procs'), '/sys/fs/cgroup/unified/init.scope/cgroup.procs');
  t.is(own('/tmp/not-a-cgroup/cgroup.procs'), null);
});

test('parseExecSpec refuses what init cannot run', (t) => {
  t.throws(() => parseExecSpec(undefined, 'X'), { message: /X is empty/ });
  t.throws(() => parseExecSpec(JSON.stringify({ pid: 0 }), 'X'), { message: /pid/ });
  t.throws(() => parseExecSpec(JSON.stringify({ pid: 3, process: { args: [] } }), 'X'), { message: /process.args is empty/ });
  t.throws(() => parseExecSpec(JSON.stringify({ pid: 3, process: { args: ['sh'] } }), 'X'), { message: /cgroupJoin/ });
  t.throws(() => parseExecSpec(JSON.stringify({ pid: 3, process: { args: ['sh'] }, cgroupJoin: [] }), 'X'), { message: /security/ });
});

test('v1 devices: deny all, then Docker\'s allowlist without the console, one rule per write; privileged allows all', (t) => {
  const writes: string[] = [];
  const record = (f: string, v: string) => void writes.push(`${path.basename(f)}: ${v}`);
  devices.apply('/cg/x', false, record);
  devices.apply('/cg/x', true, record);
  t.is(writes[0], 'devices.deny: a');
  const allowed = writes.slice(1, 1 + devices.DEFAULT_ALLOW.length);
  t.deepEqual(allowed, devices.DEFAULT_ALLOW.map((r) => `devices.allow: ${r}`));
  for (const must of ['c 1:3 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 136:* rwm', 'c *:* m', 'b *:* m']) t.true(devices.DEFAULT_ALLOW.includes(must), must);
  // No rule may let a memory or disk device open.
  t.false(devices.DEFAULT_ALLOW.some((r) => /^(a|b \S+ r|c 1:1 |c \*:\* .*r)/.test(r)));
  // Nor the host's console (Boxify makes no /dev/console).
  t.false(devices.DEFAULT_ALLOW.some((r) => /^c (5|\*):(1|\*) \S*[rw]/.test(r)));
  t.is(writes.at(-1), 'devices.allow: a');
});

test('masked and read-only paths are Docker\'s', (t) => {
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/acpi', '/proc/scsi', '/sys/firmware']) {
    t.true(MASKED_PATHS.includes(p), p);
  }
  t.deepEqual(READONLY_PATHS, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
});
