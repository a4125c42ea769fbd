// Hardening steps of boxify-init that are not the process security step itself: the
// container's sysctls, Docker's masked and read-only paths in /proc and /sys, and the
// controlling terminal of a TTY container. Run after pivot_root, while init is still root with every capability.
import fs from 'node:fs';
import { MS, SysError, mount } from '../../core/sys/ffi.js';
import { NR, sysInts } from '../../core/security/native.js';

/**
 * Hidden from the container (moby oci/defaults.go): kernel memory, the keyring list, timer
 * and scheduler internals that leak host activity, firmware tables. A file gets /dev/null
 * bound over it, a directory an empty read-only tmpfs.
 */
export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Readable but never writable (moby oci/defaults.go): kernel tunables and the magic SysRq key. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function missing(err: unknown): boolean {
  return err instanceof SysError && err.errno === 'ENOENT';
}

/** runc's maskPath: /dev/null over a file; ENOTDIR says it is a directory: a read-only tmpfs. */
export function maskPaths(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      mount('/dev/null', p, null, MS.BIND, null, 'mask /dev/null');
    } catch (err) {
      if (missing(err)) continue; // this kernel has no such file
      if (!(err instanceof SysError && err.errno === 'ENOTDIR')) throw err;
      mount('tmpfs', p, 'tmpfs', MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, 'size=0,mode=0555', 'mask tmpfs');
    }
  }
}

/** runc's readonlyPath: bind the path onto itself, then remount that bind read-only. */
export function readonlyPaths(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      mount(p, p, null, MS.BIND | MS.REC, null, 'bind (read-only path)');
    } catch (err) {
      if (missing(err)) continue;
      throw err;
    }
    // /proc is nosuid,nodev,noexec: keep those flags on the remount.
    mount(null, p, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC, null, 'read-only remount');
  }
}

/**
 * Writes each sysctl ("net.ipv4.ping_group_range": "0 2147483647") into /proc/sys of this
 * process's namespaces. The daemon only lets through names that belong to a namespace of
 * the container's own (network, IPC, UTS), so nothing here reaches the host.
 */
export function writeSysctls(sysctls: Record<string, string>): void {
  for (const [name, value] of Object.entries(sysctls)) {
    const file = `/proc/sys/${name.replace(/\./g, '/')}`;
    try {
      fs.writeFileSync(file, value);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      throw Object.assign(new Error(`sysctl ${name}=${JSON.stringify(value)}: write ${file}: ${code}`), { code });
    }
  }
}

const TIOCSCTTY = 0x540e;

/**
 * Makes the terminal on fd 0 the controlling terminal of this process's session (init made
 * one of its own in its first step), so a shell gets job control (without it busybox sh says
 * "can't access tty; job control turned off", and ^C reaches nobody). The terminal is a
 * fresh one of the daemon's, no other session's.
 */
export function takeControllingTerminal(): void {
  sysInts('tty', 'ioctl(0, TIOCSCTTY, 0)', NR.ioctl!, 0, TIOCSCTTY, 0);
}
