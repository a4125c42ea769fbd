#!/usr/bin/env node
// boxify-init: PID 1 of a new container, for the few milliseconds before execve.
//
// Started by the daemon's shim as `unshare --mount -- node main.js SPEC.json` inside fresh
// PID, UTS, IPC and network namespaces, with fd 3 = sync pipe (we write InitMessages) and
// fd 4 = gate (we read one byte before execve). One linear list of named steps; the first
// failure is reported on fd 3 as {"type":"error","step":...} and ends the process.
//
// Only synchronous calls: namespaces and credentials are per thread, and libuv's pool
// threads would act in the wrong ones. Imports are kept few: start-up time is launch latency.
import fs from 'node:fs';
import type { InitSpec } from '../core/sys/init-protocol.js';
import { sethostname } from '../core/sys/ffi.js';
import { bindEtcFiles, mountProcSysDev, mountRootfs, mountVolumes, pivotInto } from './steps/rootfs.js';
import { enterCwd, execCommand, joinCgroups, openCgroupProcs, prepareFds, setRlimits, setUser } from './steps/process.js';
import { StepError, send, step, waitAtGate } from './steps/step.js';

function main(): never {
  const spec = step('spec', () => readSpec(process.argv[2]));
  // Our PID as the host sees it: /proc is still the host's until we mount our own.
  const hostPid = step('spec', () => Number(fs.readlinkSync('/proc/self')));
  const cgroupFds = step('cgroup', () => openCgroupProcs(spec.cgroupProcs));
  const root = spec.rootfs.mergedDir;

  step('rootfs', () => mountRootfs(spec.rootfs));
  // Kernel filesystems before volumes, as Docker does, so a volume may sit under /dev.
  step('devices', () => mountProcSysDev(root));
  step('mounts', () => mountVolumes(root, spec.mounts));
  step('etc-files', () => bindEtcFiles(root, spec.etcFiles));
  step('hostname', () => sethostname(spec.hostname));
  step('pivot-root', () => pivotInto(root, spec.rootfs.readonly));

  step('ready', () => send({ type: 'ready', pid: hostPid }));
  // The daemon wires the network meanwhile. EOF: it gave up and has said why itself.
  if (!step('gate', waitAtGate)) process.exit(1);

  // Joined only now, so Node's start-up memory is not charged to the container.
  step('cgroup', () => joinCgroups(cgroupFds, spec.cgroupProcs, spec.cgroupNamespace));
  step('rlimits', () => setRlimits(spec.rlimits));
  // The directory is made as root, before the user may lack the right to.
  step('cwd', () => enterCwd(spec.process.cwd));
  step('user', () => setUser(spec.process));
  step('fds', prepareFds);
  return execCommand(spec.process);
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

try {
  main();
} catch (err) {
  const e = err instanceof StepError ? err : new StepError('init', err instanceof Error ? err.message : String(err));
  try {
    send({ type: 'error', step: e.step, message: e.message, errno: e.errno, exitCode: e.exitCode });
  } catch {
    // No sync pipe (started by hand, or the daemon is gone): stderr is all there is.
    process.stderr.write(`boxify-init: ${e.message}\n`);
  }
  process.exit(e.exitCode);
}
