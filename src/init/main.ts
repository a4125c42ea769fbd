#!/usr/bin/env node
// boxify-init: PID 1 of a new container, for the few milliseconds before execve.
//
// Started by the daemon's shim as `unshare --mount -- node main.js SPEC.json` inside fresh
// PID, UTS, IPC and network namespaces, with fd 3 = sync pipe (we write InitMessages) and
// fd 4 = gate (we read one byte before execve). One linear list of named steps; the first
// failure is reported on fd 3 as {"type":"error","step":...} and ends the process.
//
// Only synchronous calls: namespaces and credentials are per thread, and libuv's pool
// threads would act in the wrong ones. Imports are kept few and static: start-up time is
// launch latency, and nothing can be loaded from the host's disk after pivot_root.
//
// `boxify-init exec` (argv[2] === 'exec') is the second mode: a process entered into a
// running container with the same confinement (execMain below).
import fs from 'node:fs';
import { isatty } from 'node:tty';
import { EXEC_SPEC_ENV, type InitSpec } from '../core/sys/init-protocol.js';
import { SysError, markCloexecFrom, setNonDumpable, sethostname, setsid } from '../core/sys/ffi.js';
import { applyProcessSecurity, preloadProcessSecurity, resolveSecurityOptions } from '../core/security/index.js';
import { bindEtcFiles, mountProcSysDev, mountRootfs, mountVolumes, pivotInto } from './steps/rootfs.js';
import { enterCwd, execCommand, joinCgroups, openCgroupProcs, prepareFds, setRlimits } from './steps/process.js';
import { MASKED_PATHS, READONLY_PATHS, maskPaths, readonlyPaths, takeControllingTerminal } from './steps/harden.js';
import { checkTarget, enterExistingCwd, enterFilesystem, openTarget, parseExecSpec } from './steps/enter.js';
import { StepError, send, step, waitAtGate } from './steps/step.js';

function main(): never {
  // Before anything else (see processHygiene): nothing the shim or the daemon's own parent
  // left open survives execve, no one may look into this process, and it leads a session of
  // its own that has no terminal unless the spec gives it one.
  step('hygiene', () => processHygiene());
  const spec = step('spec', () => readSpec(process.argv[2]));
  // Absent means Docker's defaults: leaving the field out never unconfines a container.
  const security = spec.security ?? resolveSecurityOptions({});
  // koffi and cap_last_cap live on the host's disk: loaded before pivot_root hides it.
  step('security', () => preloadProcessSecurity());
  // Our PID as the host sees it: /proc is still the host's until we mount our own.
  const hostPid = step('spec', () => Number(fs.readlinkSync('/proc/self')));
  const cgroupFds = step('cgroup', () => openCgroupProcs(spec.cgroupProcs));
  const root = spec.rootfs.mergedDir;

  step('rootfs', () => mountRootfs(spec.rootfs));
  // Kernel filesystems before volumes, as Docker does, so a volume may sit under /dev.
  step('devices', () => mountProcSysDev(root, security.privileged !== true));
  step('mounts', () => mountVolumes(root, spec.mounts));
  step('etc-files', () => bindEtcFiles(root, spec.etcFiles));
  step('hostname', () => sethostname(spec.hostname));
  step('pivot-root', () => pivotInto(root, spec.rootfs.readonly));
  if (spec.maskPaths !== false) {
    step('masked-paths', () => maskPaths(MASKED_PATHS));
    step('readonly-paths', () => readonlyPaths(READONLY_PATHS));
  }

  step('ready', () => send({ type: 'ready', pid: hostPid }));
  // The daemon wires the network meanwhile. EOF: it gave up and has said why itself.
  if (!step('gate', waitAtGate)) process.exit(1);

  // Joined only now, so Node's start-up memory is not charged to the container.
  step('cgroup', () => joinCgroups(cgroupFds, spec.cgroupProcs, spec.cgroupNamespace));
  step('rlimits', () => setRlimits(spec.rlimits));
  // The directory is made as root, before the user may lack the right to.
  step('cwd', () => enterCwd(spec.process.cwd));
  if (spec.tty) step('tty', () => takeControllingTerminal(false));
  // Before the security step: a process that changed its uid is no longer "dumpable", and
  // then may not read its own /proc/self/fd, which prepareFds walks.
  step('fds', () => prepareFds());
  // Last privileged step: capabilities, user and groups, no_new_privs, seccomp.
  step('security', () => applyProcessSecurity(security, spec.process));
  return execCommand(spec.process);
}

/**
 * `nsenter --target PID --pid --net --uts --ipc -- node boxify-init exec`, ExecSpec in the
 * environment: join the container's cgroup, cgroup and mount namespaces and root, then the
 * same confinement as the container's command, then execve. No sync pipe: errors go to stderr.
 */
function execMain(): never {
  const spec = step('spec', () => parseExecSpec(process.env[EXEC_SPEC_ENV], EXEC_SPEC_ENV));
  step('security', () => preloadProcessSecurity());
  step('target', () => checkTarget(spec.pid, spec.pidStartTime));
  const target = step('target', () => openTarget(spec.pid));
  // Before the namespaces: the cgroup paths are host paths. Node's memory so far stays
  // charged where it was (the daemon's cgroup), as with a container's init.
  step('cgroup', () => joinCgroups(openCgroupProcs(spec.cgroupProcs), spec.cgroupProcs, false));
  step('enter', () => enterFilesystem(target, spec.pid));
  step('rlimits', () => setRlimits(spec.rlimits));
  step('cwd', () => enterExistingCwd(spec.process.cwd));
  // A TTY exec's terminal is the controlling terminal of nsenter's session on the host: take
  // it into a session of our own inside the container, as runc does for `exec -t`.
  if (isatty(0)) step('tty', () => takeControllingTerminal(true));
  step('fds', () => prepareFds(false));
  step('security', () => applyProcessSecurity(spec.security, spec.process));
  return execCommand(spec.process);
}

/**
 * The first step of both modes. Non-dumpable (runc's nsexec does the same): until execve,
 * /proc/PID/exe, fd, mem, environ and root of this node process are refused to everyone
 * without CAP_SYS_PTRACE. Inherited fds from 3 up are marked close-on-exec (the sync pipe must
 * be anyway; its EOF tells the daemon execve succeeded). A new session: the container's process
 * never shares one (or a terminal) with the daemon or whoever started it.
 */
function processHygiene(): void {
  setNonDumpable();
  markCloexecFrom(3);
  try {
    setsid();
  } catch (err) {
    // EPERM: already a process group leader (started by hand as one); the tty step decides.
    if (!(err instanceof SysError && err.errno === 'EPERM')) throw err;
  }
}

function readSpec(file: string | undefined): InitSpec {
  if (!file) throw new Error('usage: boxify-init SPEC.json (the daemon starts this program)');
  const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as InitSpec;
  const args = spec.process?.args;
  if (!Array.isArray(args) || args.length === 0 || typeof args[0] !== 'string' || args[0] === '') {
    throw new Error(`${file}: process.args is empty: a container needs a command`);
  }
  if (!spec.rootfs?.mergedDir?.startsWith('/')) throw new Error(`${file}: rootfs.mergedDir must be an absolute path`);
  return spec;
}

/** Docker's wording for an exec that cannot start (the CLI and scripts match on it). */
function execFailed(e: StepError): never {
  const why = e.step === 'exec' ? `exec: ${e.detail}` : `${e.step}: ${e.detail}`;
  fs.writeSync(2, `OCI runtime exec failed: exec failed: unable to start container process: ${why}: unknown\n`);
  // 127 not found, 126 not runnable; any other failure to start is 126 too, as in Docker.
  process.exit(e.exitCode === 127 ? 127 : 126);
}

const execMode = process.argv[2] === 'exec';
try {
  if (execMode) execMain();
  else main();
} catch (err) {
  const e = err instanceof StepError ? err : new StepError('init', err instanceof Error ? err.message : String(err));
  if (execMode) execFailed(e);
  try {
    send({ type: 'error', step: e.step, message: e.message, errno: e.errno, exitCode: e.exitCode });
  } catch {
    // No sync pipe (started by hand, or the daemon is gone): stderr is all there is.
    process.stderr.write(`boxify-init: ${e.message}\n`);
  }
  process.exit(e.exitCode);
}
