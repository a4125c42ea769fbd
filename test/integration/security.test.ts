// The security step on the real kernel: a child `node` applies it to itself (as boxify-init
// does just before execve), then reports what the kernel says and what it may still do.
// Each child drops only its own privileges and runs in its own mount namespace
// (unshare --mount), so even a mount that should have been refused never reaches the host.

import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CAPS, capabilityMask, readCapabilitySet } from '../../src/core/security/capabilities.js';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
if (!isRoot) console.warn('security integration tests need root: skipped');

const securityModule = fileURLToPath(new URL('../../src/core/security/index.js', import.meta.url));
const DEFAULT_MASK = capabilityMask(DEFAULT_CAPS); // 0xa80405fb: Docker's 14 without NET_RAW

// The child: control checks, apply, then probe. Prints one JSON line.
const CHILD = `
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
const security = await import(process.env.SECURITY_MODULE);
const koffi = createRequire(process.env.SECURITY_MODULE)('koffi');
const { request, user, dir, probeMount } = JSON.parse(process.argv[2]);
const out = {};
const sh = (args) => {
  try { return { ok: true, out: execFileSync('/bin/busybox', args, { stdio: 'pipe' }).toString() }; }
  catch (e) { return { ok: false, out: String(e.stderr) }; }
};
out.unshareBefore = sh(['unshare', '-U', 'true']).ok;
try {
  out.kept = security.applyProcessSecurity(security.resolveSecurityOptions(request), user);
} catch (e) {
  console.log(JSON.stringify({ error: e.message, field: e.field }));
  process.exit(0);
}
out.status = readFileSync('/proc/self/status', 'utf8');
out.unshare = sh(['unshare', '-U', 'true']);
out.execStatus = sh(['cat', '/proc/self/status']);
if (probeMount) {
  // mount(2) of a tmpfs on a fresh directory, in this child's private mount namespace
  const syscall = koffi.load('libc.so.6').func('long syscall(long number, ...)');
  const r = syscall(165, 'str', 'none', 'str', dir + '/mnt', 'str', 'tmpfs', 'unsigned long', 0, 'void *', null);
  out.mountErrno = r === -1 ? koffi.errno() : 0;
}
try { mkdirSync(dir + '/made'); out.mkdir = 'ok'; } catch (e) { out.mkdir = e.code; }
out.execMkdir = sh(['mkdir', dir + '/made-by-exec']);
console.log(JSON.stringify(out));
`;

interface ChildResult {
  error?: string;
  field?: string;
  unshareBefore: boolean;
  kept: string[];
  status: string;
  unshare: { ok: boolean; out: string };
  execStatus: { ok: boolean; out: string };
  mountErrno?: number;
  mkdir: string;
  execMkdir: { ok: boolean; out: string };
}

function field(status: string, name: string): string {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status);
  if (!m) throw new Error(`no ${name} in status`);
  return m[1]!.trim();
}

async function runChild(
  t: { teardown(fn: () => void): void },
  request: object,
  user: unknown,
  probeMount = false,
): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bxsec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'child.mjs'), CHILD);
  mkdirSync(join(dir, 'mnt'));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'unshare',
      ['--mount', '--propagation', 'private', process.execPath, join(dir, 'child.mjs'), JSON.stringify({ request, user, dir, probeMount })],
      { env: { ...process.env, SECURITY_MODULE: securityModule }, timeout: 60_000 },
      (err, out, errOut) => (err ? reject(new Error(`child failed: ${err.message}\n${errOut}`)) : resolve(out)),
    );
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
}

const mask = (status: string, name: string) => BigInt(`0x${field(status, name)}`);

rootTest('defaults: 13 capabilities in every set, no_new_privs, seccomp filter, namespaces and mount refused', async (t) => {
  const r = await runChild(t, {}, 0, true);
  t.falsy(r.error);
  t.true(r.unshareBefore, 'control: unshare -U works before the security step');
  t.deepEqual(r.kept, [...DEFAULT_CAPS]);
  for (const set of ['CapBnd', 'CapEff', 'CapPrm']) t.is(mask(r.status, set), DEFAULT_MASK, set);
  t.is(mask(r.status, 'CapInh'), 0n);
  t.is(mask(r.status, 'CapAmb'), 0n);
  t.is(field(r.status, 'NoNewPrivs'), '1');
  t.is(field(r.status, 'Seccomp'), '2');
  // unprivileged user namespaces need no capability: only the filter can refuse this
  t.false(r.unshare.ok);
  t.regex(r.unshare.out, /Operation not permitted/);
  t.is(r.mountErrno, 1 /* EPERM */);
  t.is(r.mkdir, 'ok', 'ordinary file operations still work');
  // what an exec'd program (busybox, as root) ends up with
  t.true(r.execStatus.ok);
  t.is(mask(r.execStatus.out, 'CapEff'), DEFAULT_MASK);
  t.is(mask(r.execStatus.out, 'CapBnd'), DEFAULT_MASK);
  t.is(field(r.execStatus.out, 'Seccomp'), '2');
  t.is(field(r.execStatus.out, 'NoNewPrivs'), '1');
});

rootTest('a non-root user keeps the bounding set but has no capabilities after exec (as in Docker)', async (t) => {
  const r = await runChild(t, {}, { uid: 1000, gid: 1001, additionalGids: [1002, 1003] });
  t.falsy(r.error);
  t.is(field(r.status, 'Uid'), '1000\t1000\t1000\t1000');
  t.is(field(r.status, 'Gid'), '1001\t1001\t1001\t1001');
  t.is(field(r.status, 'Groups'), '1002 1003');
  // keepcaps carried the permitted set across setuid; capset raised effective again
  t.is(mask(r.status, 'CapEff'), DEFAULT_MASK);
  t.true(r.execStatus.ok);
  t.is(field(r.execStatus.out, 'Uid'), '1000\t1000\t1000\t1000');
  t.is(mask(r.execStatus.out, 'CapEff'), 0n);
  t.is(mask(r.execStatus.out, 'CapPrm'), 0n);
  t.is(mask(r.execStatus.out, 'CapBnd'), DEFAULT_MASK);
  // Node itself still holds CAP_DAC_OVERRIDE until it execs; the exec'd program does not
  t.is(r.mkdir, 'ok');
  t.false(r.execMkdir.ok);
  t.regex(r.execMkdir.out, /Permission denied/);
});

rootTest('CapAdd SYS_ADMIN also lifts the seccomp rules gated on it', async (t) => {
  const r = await runChild(t, { CapAdd: ['sys_admin'] }, 0);
  t.falsy(r.error);
  t.is(mask(r.status, 'CapEff'), DEFAULT_MASK | (1n << 21n));
  t.is(field(r.status, 'Seccomp'), '2');
  t.true(r.unshare.ok, r.unshare.out);
});

rootTest('a custom profile with no_new_privs off is installed before the capabilities are dropped', async (t) => {
  const profile = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mount', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 95 }],
  };
  const r = await runChild(t, { SecurityOpt: ['no-new-privileges=false', `seccomp=${JSON.stringify(profile, null, 2)}`] }, 0, true);
  t.falsy(r.error);
  t.is(field(r.status, 'NoNewPrivs'), '0');
  t.is(field(r.status, 'Seccomp'), '2');
  t.is(mask(r.status, 'CapEff'), DEFAULT_MASK);
  // 95 is EOPNOTSUPP: the kernel itself would have said EPERM (mount) or succeeded (mkdir)
  t.is(r.mountErrno, 95);
  t.is(r.mkdir, 'ENOTSUP'); // errno 95, EOPNOTSUPP, by Node's name
  t.false(r.execMkdir.ok, 'the filter is inherited by exec');
  t.true(r.unshare.ok, 'this profile allows unshare, and user namespaces need no capability');
});

rootTest('seccomp=unconfined: capabilities dropped, no filter', async (t) => {
  const r = await runChild(t, { SecurityOpt: ['seccomp=unconfined'] }, 0, true);
  t.falsy(r.error);
  t.is(field(r.status, 'Seccomp'), '0');
  t.is(mask(r.status, 'CapBnd'), DEFAULT_MASK);
  t.is(r.mountErrno, 1, 'EPERM now comes from the missing CAP_SYS_ADMIN');
  t.true(r.unshare.ok);
});

rootTest('privileged keeps whatever the host has and no filter', async (t) => {
  const hostBounding = readCapabilitySet('CapBnd', readFileSync('/proc/self/status', 'utf8'));
  const r = await runChild(t, { Privileged: true }, 0);
  t.falsy(r.error);
  t.is(mask(r.status, 'CapBnd'), hostBounding);
  t.is(mask(r.status, 'CapEff'), hostBounding);
  t.is(field(r.status, 'Seccomp'), '0');
  t.is(field(r.status, 'NoNewPrivs'), '0');
});

// The way boxify-init uses it: apply, clear FD_CLOEXEC on 0-2, execve through koffi. Node
// starts threads after the filter too (clone3 must say ENOSYS so glibc falls back to clone).
const EXEC_CHILD = `
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
const security = await import(process.env.SECURITY_MODULE);
const koffi = createRequire(process.env.SECURITY_MODULE)('koffi');
security.applyProcessSecurity(security.resolveSecurityOptions({}), { uid: 0, gid: 0, additionalGids: [] });
await readFile('/proc/self/status'); // libuv's thread pool
await new Promise((resolve, reject) => {
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(42)', { eval: true });
  w.on('message', (m) => { console.log('worker:' + m); w.terminate().then(resolve); });
  w.on('error', reject);
});
const libc = koffi.load('libc.so.6');
const fcntl = libc.func('int fcntl(int fd, int cmd, int arg)');
const execve = libc.func('int execve(const char *path, const char **argv, const char **envp)');
for (const fd of [0, 1, 2]) fcntl(fd, 2 /* F_SETFD */, 0);
execve('/bin/busybox', ['busybox', 'cat', '/proc/self/status', null], ['PATH=/bin', null]);
console.log('execve failed: errno ' + koffi.errno());
process.exit(1);
`;

rootTest('execve through koffi right after the security step, with Node threads started under the filter', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bxsec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'exec-child.mjs'), EXEC_CHILD);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      'unshare',
      ['--mount', '--propagation', 'private', process.execPath, join(dir, 'exec-child.mjs')],
      { env: { ...process.env, SECURITY_MODULE: securityModule }, timeout: 60_000 },
      (err, out, errOut) => (err ? reject(new Error(`child failed: ${err.message}\n${out}\n${errOut}`)) : resolve(out)),
    );
  });
  t.regex(stdout, /^worker:42$/m);
  t.is(field(stdout, 'Name'), 'busybox', 'the process is the exec\'d program now');
  t.is(field(stdout, 'Threads'), '1');
  t.is(mask(stdout, 'CapEff'), DEFAULT_MASK);
  t.is(mask(stdout, 'CapBnd'), DEFAULT_MASK);
  t.is(field(stdout, 'Seccomp'), '2');
  t.is(field(stdout, 'NoNewPrivs'), '1');
});

// After pivot_root the host's node_modules are out of sight. Simulated here by mounting an
// empty tmpfs over node_modules in the child's private mount namespace.
const HIDDEN_CHILD = `
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
const security = await import(process.env.SECURITY_MODULE);
if (process.argv[2] === 'preload') security.preloadProcessSecurity();
execFileSync('mount', ['-t', 'tmpfs', 'none', process.env.NODE_MODULES]);
try {
  security.applyProcessSecurity(security.resolveSecurityOptions({}), 0);
  console.log(readFileSync('/proc/self/status', 'utf8'));
} catch (e) {
  console.log('apply failed: ' + e.message);
}
`;

rootTest('preloadProcessSecurity makes the step work once the host files are gone (as after pivot_root)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bxsec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'hidden-child.mjs'), HIDDEN_CHILD);
  const nodeModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));
  t.true(readFileSync(join(nodeModules, 'koffi', 'package.json'), 'utf8').length > 0, 'node_modules found');
  const runHidden = (mode: string) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        'unshare',
        ['--mount', '--propagation', 'private', process.execPath, join(dir, 'hidden-child.mjs'), mode],
        { env: { ...process.env, SECURITY_MODULE: securityModule, NODE_MODULES: nodeModules }, timeout: 60_000 },
        (err, out, errOut) => (err ? reject(new Error(`child failed: ${err.message}\n${out}\n${errOut}`)) : resolve(out)),
      );
    });
  const [without, withPreload] = await Promise.all([runHidden('lazy'), runHidden('preload')]);
  t.regex(without, /apply failed: .*koffi/, 'control: without preloading, koffi cannot be found');
  t.is(mask(withPreload, 'CapEff'), DEFAULT_MASK);
  t.is(field(withPreload, 'Seccomp'), '2');
});

const hostMissing = isRoot
  ? (['CAP_SYS_RESOURCE', 'CAP_MAC_ADMIN', 'CAP_SYS_MODULE'] as const).find(
      (c) => (readCapabilitySet('CapBnd', readFileSync('/proc/self/status', 'utf8')) & capabilityMask([c])) === 0n,
    )
  : undefined;
if (isRoot && !hostMissing) console.warn('the host has every capability: the "cannot be granted" test is skipped');

(hostMissing ? test : test.skip)('a CapAdd the host cannot grant fails with a message naming CapAdd', async (t) => {
  const r = await runChild(t, { CapAdd: [hostMissing!] }, 0);
  t.is(r.field, 'CapAdd');
  t.regex(r.error!, new RegExp(`${hostMissing}.*remove it from CapAdd`));
});
