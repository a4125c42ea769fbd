// The pure parts of boxify-init and the launcher: option strings, path resolution inside a
// rootfs, command lookup, exit-code mapping, rlimit clamping, /proc parsing, exit files.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { overlayData, resolveInRoot } from '../../src/init/steps/rootfs.js';
import { clampRlimit, envPath, execFailure, lookPath, rlimitNumber, DEFAULT_PATH } from '../../src/init/steps/process.js';
import { StepError, step } from '../../src/init/steps/step.js';
import { SysError, errnoName, makedev, RLIM_INFINITY } from '../../src/core/sys/ffi.js';
import { parseStat, readExitFile, isAlive, processStartTime, StartError } from '../../src/core/sys/launcher.js';

function tmp(t: { teardown(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bxinit-unit-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const rootfs = { lowerDirs: ['/l/base', '/l/mid', '/l/top'], upperDir: '/u', workDir: '/w', mergedDir: '/m', readonly: false };

test('overlay lowerdir lists the top layer first', (t) => {
  t.is(overlayData(rootfs), 'lowerdir=/l/top:/l/mid:/l/base,upperdir=/u,workdir=/w');
  t.is(overlayData({ ...rootfs, lowerDirs: ['/only'] }), 'lowerdir=/only,upperdir=/u,workdir=/w');
});

test('overlay refuses no layers and paths that would break its option syntax', (t) => {
  t.throws(() => overlayData({ ...rootfs, lowerDirs: [] }), { message: /lowerDirs is empty/ });
  t.throws(() => overlayData({ ...rootfs, upperDir: '/a,b' }), { message: /contains ','/ });
  t.throws(() => overlayData({ ...rootfs, lowerDirs: ['/a:b'] }), { message: /contains ','/ });
});

test('resolveInRoot follows symlinks as the container sees them', (t) => {
  const root = tmp(t);
  fs.mkdirSync(path.join(root, 'etc'));
  fs.mkdirSync(path.join(root, 'run/x'), { recursive: true });
  fs.symlinkSync('/run/x', path.join(root, 'etc/abs')); // absolute: restarts at the root
  fs.symlinkSync('../run', path.join(root, 'etc/rel'));
  fs.symlinkSync('/../../../../', path.join(root, 'up')); // tries to climb out
  fs.symlinkSync('loop2', path.join(root, 'loop1'));
  fs.symlinkSync('loop1', path.join(root, 'loop2'));
  t.is(resolveInRoot(root, '/etc/abs/file'), path.join(root, 'run/x/file'));
  t.is(resolveInRoot(root, '/etc/rel/x'), path.join(root, 'run/x'));
  t.is(resolveInRoot(root, '/up/etc/passwd'), path.join(root, 'etc/passwd'));
  t.is(resolveInRoot(root, '/new/dir/./a'), path.join(root, 'new/dir/a'));
  t.is(resolveInRoot(root, '/'), root);
  t.throws(() => resolveInRoot(root, '/loop1/x'), { message: /ELOOP/ });
});

test('resolveInRoot refuses relative targets and targets climbing out with ..', (t) => {
  const root = tmp(t);
  t.throws(() => resolveInRoot(root, 'etc/x'), { message: /must be an absolute path/ });
  t.throws(() => resolveInRoot(root, '/../x'), { message: /resolves outside/ });
  t.throws(() => resolveInRoot(root, '/a/../../x'), { message: /resolves outside/ });
  t.is(resolveInRoot(root, '/a/../x'), path.join(root, 'x'));
});

test('lookPath searches PATH in order and takes names with a slash as they are', (t) => {
  const d = tmp(t);
  for (const sub of ['a', 'b']) fs.mkdirSync(path.join(d, sub));
  fs.writeFileSync(path.join(d, 'a/tool'), '', { mode: 0o644 }); // not executable: skipped
  fs.writeFileSync(path.join(d, 'b/tool'), '', { mode: 0o755 });
  fs.mkdirSync(path.join(d, 'a/dir'), { mode: 0o755 }); // a directory is not a command
  const p = `${d}/a:${d}/b`;
  t.is(lookPath('tool', p), `${d}/b/tool`);
  t.is(lookPath('./x/y', p), './x/y');
  const err = t.throws(() => lookPath('dir', p), { instanceOf: StepError });
  t.is(err?.message, 'exec: "dir": executable file not found in $PATH');
  t.is(err?.exitCode, 127);
});

test('envPath takes the last PATH, or the default', (t) => {
  t.is(envPath(['A=1']), DEFAULT_PATH);
  t.is(envPath(['PATH=/a', 'B=2', 'PATH=/b']), '/b');
  t.is(envPath(['PATHX=/no']), DEFAULT_PATH);
});

test('exec failures use Docker wording and exit codes', (t) => {
  t.deepEqual([execFailure('x', 'ENOENT').message, execFailure('x', 'ENOENT').exitCode], ['exec: "x": no such file or directory', 127]);
  t.deepEqual([execFailure('x', 'EACCES').message, execFailure('x', 'EACCES').exitCode], ['exec: "x": permission denied', 126]);
  t.deepEqual([execFailure('/bin', 'EISDIR').message, execFailure('/bin', 'EISDIR').exitCode], ['exec: "/bin": is a directory', 126]);
  t.is(execFailure('x', 'ENOEXEC').message, 'exec: "x": exec format error');
});

test('rlimits are clamped to the current hard limit', (t) => {
  t.deepEqual(clampRlimit({ soft: 1024n, hard: 4096n }, 20000n), { soft: 1024n, hard: 4096n });
  t.deepEqual(clampRlimit({ soft: 50000n, hard: 100000n }, 20000n), { soft: 20000n, hard: 20000n });
  t.deepEqual(clampRlimit({ soft: 1024n, hard: RLIM_INFINITY }, 20000n), { soft: 1024n, hard: 20000n });
  t.deepEqual(clampRlimit({ soft: RLIM_INFINITY, hard: RLIM_INFINITY }, RLIM_INFINITY), { soft: RLIM_INFINITY, hard: RLIM_INFINITY });
});

test('rlimit names are accepted as prlimit and Docker spell them', (t) => {
  t.is(rlimitNumber('nofile'), 7);
  t.is(rlimitNumber('RLIMIT_NOFILE'), 7);
  t.is(rlimitNumber('NPROC'), 6);
  t.throws(() => rlimitNumber('bogus'), { message: /rlimit "bogus": unknown resource \(known: cpu, fsize/ });
});

test('step() names the step and keeps the errno', (t) => {
  const sys = t.throws(() => step('rootfs', () => { throw new SysError('mount overlay on', '/m', os.constants.errno.EINVAL); }), { instanceOf: StepError });
  t.is(sys?.message, 'rootfs: mount overlay on /m: EINVAL');
  t.is(sys?.errno, 'EINVAL');
  t.is(sys?.exitCode, 1);
  const fsErr = t.throws(() => step('spec', () => fs.readFileSync('/nonexistent/spec.json')), { instanceOf: StepError });
  t.is(fsErr?.errno, 'ENOENT');
  t.regex(fsErr?.message ?? '', /^spec: ENOENT: no such file or directory, open '\/nonexistent\/spec.json'$/);
});

test('errno names and device numbers', (t) => {
  t.is(errnoName(os.constants.errno.ENOENT), 'ENOENT');
  t.is(errnoName(os.constants.errno.EAGAIN), 'EAGAIN');
  t.is(errnoName(100000), 'E100000');
  t.is(makedev(1, 3), 0x103);
  t.is(makedev(5, 0), 0x500);
  t.is(makedev(4095, 255), 0xfffff);
  t.is(makedev(4096, 256), 0x100000100000); // glibc: major bits 12+ at 44, minor bits 8+ at 20
});

test('/proc/PID/stat parsing survives spaces and parentheses in the name', (t) => {
  const rest = Array.from({ length: 50 }, (_, i) => String(i + 3)).join(' ');
  const f = parseStat(`1234 (a b) (c)) S ${rest.slice(2)}`);
  t.is(f?.[0], 'S');
  t.is(f?.[19], '22'); // field 22
  t.is(parseStat('garbage'), null);
});

test('processStartTime and isAlive identify this process, not a reused PID', (t) => {
  const st = processStartTime(process.pid);
  t.regex(st ?? '', /^\d+$/);
  t.true(isAlive(process.pid, st!));
  t.true(isAlive(process.pid, ''));
  t.false(isAlive(process.pid, String(Number(st) + 1)));
  t.is(processStartTime(0x3fffffff), null);
  t.false(isAlive(0x3fffffff, ''));
});

test('readExitFile: null while missing, the status once written, an error for garbage', (t) => {
  const d = tmp(t);
  const f = path.join(d, 'exit');
  t.is(readExitFile(f), null);
  fs.writeFileSync(f, '137\n');
  t.is(readExitFile(f), 137);
  fs.writeFileSync(f, 'oops');
  t.throws(() => readExitFile(f), { message: /exit file .*: "oops" is not an exit status/ });
});

test('StartError maps to Docker status codes', (t) => {
  t.is(new StartError('exec: "x": executable file not found in $PATH', 127, 'exec').status, 400);
  t.is(new StartError('exec: "x": permission denied', 126, 'exec').status, 400);
  const e = new StartError('rootfs: mount overlay on /m: EINVAL', 1, 'rootfs');
  t.is(e.status, 500);
  t.is(e.exitCode, 1);
  t.is(e.step, 'rootfs');
});
