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
// `boxify-init exec` (argv[2] === 'exec') is the second mode: a command run inside a running
// container with the same confinement, by a process that itself stays outside (execMain).
import fs from 'node:fs';
import { EXEC_SPEC_ENV, type InitSpec } from '../core/sys/init-protocol.js';
import { SysError, markCloexecFrom, setNonDumpable, sethostname, setsid } from '../core/sys/ffi.js';
import { applyProcessSecurity, preloadProcessSecurity, resolveSecurityOptions } from '../core/security/index.js';
import { bindEtcFiles, mountProcSysDev, mountRootfs, mountVolumes, pivotInto } from './steps/rootfs.js';
import { enterCwd, execCommand, execFailure, joinCgroups, openCgroupProcs, prepareFds, resolveCommand, setRlimits } from './steps/process.js';
import { MASKED_PATHS, READONLY_PATHS, maskPaths, readonlyPaths, takeControllingTerminal, writeSysctls } from './steps/harden.js';
import { enterExistingCwd, enterNamespaces, execHygiene, openCgroupFiles, openTarget, parseExecSpec, prepareTerminal } from './steps/enter.js';
import { preloadSpawn, prepareSpawn, spawnPrepared, waitExitCode } from '../core/sys/spawn.js';
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

  step('ready', () => send({ type: 'ready', pid: hostPid }));
  // The daemon wires the network meanwhile. EOF: it gave up and has said why itself.
  if (!step('gate', waitAtGate)) process.exit(1);

  // With the network wired, so that interface sysctls (net.ipv4.conf.eth0.*) exist; through
  // this namespace's own /proc/sys, before it goes read-only.
  step('sysctls', () => writeSysctls(spec.sysctls ?? {}));
  if (spec.maskPaths !== false) {
    step('masked-paths', () => maskPaths(MASKED_PATHS));
    step('readonly-paths', () => readonlyPaths(READONLY_PATHS));
  }

  // Joined only now, so Node's start-up memory is not charged to the container.
  step('cgroup', () => joinCgroups(cgroupFds, spec.cgroupProcs, spec.cgroupNamespace));
  step('rlimits', () => setRlimits(spec.rlimits));
  // The directory is made as root, before the user may lack the right to.
  step('cwd', () => enterCwd(spec.process.cwd));
  if (spec.tty) step('tty', () => takeControllingTerminal());
  // Before the security step: a process that changed its uid is no longer "dumpable", and
  // then may not read its own /proc/self/fd, which prepareFds walks.
  step('fds', () => prepareFds());
  // Last privileged step: capabilities, user and groups, no_new_privs, seccomp.
  step('security', () => applyProcessSecurity(security, spec.process));
  return execCommand(spec.process);
}

/**
 * `NODE boxify-init exec`, ExecSpec in the environment, started in the host's namespaces: the
 * main thread enters the container and takes on its confinement, posix_spawns the command
 * there, and this process exits with the command's status (steps/enter.ts has the order).
 * No sync pipe: errors go to stderr in Docker's wording.
 */
function execMain(): never {
  step('hygiene', () => execHygiene());
  const spec = step('spec', () => parseExecSpec(process.env[EXEC_SPEC_ENV], EXEC_SPEC_ENV));
  // Everything loaded from the host's disk is loaded now: after chroot it is out of reach.
  step('security', () => preloadProcessSecurity());
  step('spawn', () => preloadSpawn());
  const target = step('target', () => openTarget(spec.pid, spec.pidStartTime));
  const cgroup = step('cgroup', () => openCgroupFiles(spec.cgroupJoin));
  const terminal = step('tty', () => prepareTerminal(spec.process.uid));
  step('cgroup', () => cgroup.join());
  step('enter', () => enterNamespaces(target));
  step('rlimits', () => setRlimits(spec.rlimits));
  step('cwd', () => enterExistingCwd(spec.process.cwd));
  const file = step('exec', () => resolveCommand(spec.process));
  const prepared = step('spawn', () => prepareSpawn({ file, args: spec.process.args, env: spec.process.env, terminal }));
  process.umask(0o022);
  step('security', () => applyProcessSecurity(spec.security, spec.process));
  const spawned = spawnPrepared(prepared);
  cgroup.leave();
  if ('errno' in spawned) throw execFailure(spec.process.args[0]!, spawned.errno);
  process.exit(waitExitCode(spawned.pid));
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
