// The container's filesystem: overlay root, volumes, /proc /sys /dev, the /etc files, and
// pivot_root. All of it runs inside init's own mount namespace (unshare --mount), so none
// of these mounts is visible on the host and all vanish with the namespace.
import fs from 'node:fs';
import path from 'node:path';
import type { InitMount, InitSpec } from '../../core/sys/init-protocol.js';
import { MNT_DETACH, MS, S_IFCHR, chdir, makedev, mknod, mount, pivotRoot, umount2 } from '../../core/sys/ffi.js';

/** overlayfs mount data: lowerdir lists the top layer first, the spec lists the bottom first. */
export function overlayData(rootfs: InitSpec['rootfs']): string {
  if (rootfs.lowerDirs.length === 0) throw new Error('rootfs.lowerDirs is empty: an image needs at least one layer');
  for (const d of [...rootfs.lowerDirs, rootfs.upperDir, rootfs.workDir]) {
    // overlayfs splits its options on ',' and lowerdir on ':'; such paths would need escaping.
    if (/[,:]/.test(d)) throw new Error(`overlay layer path ${d} contains ',' or ':'`);
  }
  const lower = [...rootfs.lowerDirs].reverse().join(':');
  return `lowerdir=${lower},upperdir=${rootfs.upperDir},workdir=${rootfs.workDir}`;
}

export function mountRootfs(rootfs: InitSpec['rootfs']): void {
  // Nothing we mount may propagate back to the host's mount namespace.
  mount(null, '/', null, MS.REC | MS.PRIVATE, null, 'rprivate');
  fs.mkdirSync(rootfs.mergedDir, { recursive: true });
  mount('overlay', rootfs.mergedDir, 'overlay', 0, overlayData(rootfs), 'overlay');
}

/**
 * Resolves `target` (a path as seen inside the container) to a host path under `root`,
 * following symlinks as the container would see them: an absolute link restarts at `root`,
 * `..` stops at `root` (like github.com/cyphar/filepath-securejoin). A target that climbs
 * out with `..` is refused rather than clamped, as it is a mistake in the spec.
 */
export function resolveInRoot(root: string, target: string): string {
  if (!path.posix.isAbsolute(target)) throw new Error(`mount target ${target} must be an absolute path`);
  let depth = 0;
  for (const p of target.split('/')) {
    if (p === '..') depth--;
    else if (p !== '' && p !== '.') depth++;
    if (depth < 0) throw new Error(`mount target ${target} resolves outside the container's root`);
  }
  let parts = target.split('/').filter((p) => p !== '' && p !== '.');
  let current: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const p = parts.shift()!;
    if (p === '..') {
      current.pop();
      continue;
    }
    const next = [...current, p];
    const host = path.join(root, ...next);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (st?.isSymbolicLink()) {
      if (++links > 40) throw new Error(`resolve ${target} in ${root}: ELOOP`);
      const dest = fs.readlinkSync(host);
      if (dest.startsWith('/')) current = [];
      parts = [...dest.split('/').filter((x) => x !== '' && x !== '.'), ...parts];
      continue;
    }
    current = next;
  }
  return path.join(root, ...current);
}

/** Resolves a mount target inside `root` and creates it (a directory, or an empty file). */
export function ensureTarget(root: string, target: string, kind: 'dir' | 'file'): string {
  const host = resolveInRoot(root, target);
  if (!fs.existsSync(host)) {
    if (kind === 'dir') fs.mkdirSync(host, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(host), { recursive: true });
      fs.closeSync(fs.openSync(host, 'a'));
    }
  }
  // Belt and braces: nothing may have turned a component into a link to the host meanwhile.
  const real = fs.realpathSync(host);
  const realRoot = fs.realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + '/')) throw new Error(`mount target ${target} resolves outside the container's root (${real})`);
  return host;
}

export function mountVolumes(root: string, mounts: InitMount[]): void {
  for (const m of mounts) {
    if (m.type === 'bind') {
      const st = fs.statSync(m.source); // ENOENT here names the missing host path
      const host = ensureTarget(root, m.target, st.isDirectory() ? 'dir' : 'file');
      mount(m.source, host, null, MS.BIND | MS.REC, null, `bind ${m.source}`);
      // MS_RDONLY is ignored on the first bind call; only a remount applies it.
      if (m.readonly) mount(null, host, null, MS.BIND | MS.REMOUNT | MS.RDONLY, null, 'read-only remount');
    } else if (m.type === 'tmpfs') {
      const host = ensureTarget(root, m.target, 'dir');
      const flags = MS.NOSUID | MS.NODEV | (m.readonly ? MS.RDONLY : 0) | (m.noexec ? MS.NOEXEC : 0);
      mount(m.source || 'tmpfs', host, 'tmpfs', flags, m.data ?? null, 'tmpfs');
    } else {
      throw new Error(`mount ${JSON.stringify((m as InitMount).target)}: unknown type ${JSON.stringify((m as InitMount).type)} (bind or tmpfs)`);
    }
  }
}

/** The character devices of every container: name, major, minor (as Docker and runc make them). */
export const DEVICES: [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];
export const DEV_LINKS: [string, string][] = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
  ['ptmx', 'pts/ptmx'],
];

/** `sysReadonly` false only for privileged containers, whose /sys is writable as in Docker. */
export function mountProcSysDev(root: string, sysReadonly = true): void {
  const nosuidNodevNoexec = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  // A fresh /proc shows only this PID namespace's processes.
  mount('proc', ensureTarget(root, '/proc', 'dir'), 'proc', nosuidNodevNoexec, null);
  // Read-only /sys makes /sys/fs/cgroup read-only too (no cgroup filesystem is mounted there).
  mount('sysfs', ensureTarget(root, '/sys', 'dir'), 'sysfs', nosuidNodevNoexec | (sysReadonly ? MS.RDONLY : 0), null);

  // A private minimal /dev, never the host's: a tmpfs with the six safe character devices.
  const dev = ensureTarget(root, '/dev', 'dir');
  mount('tmpfs', dev, 'tmpfs', MS.NOSUID, 'mode=755,size=65536k');
  for (const [name, major, minor] of DEVICES) {
    const p = path.join(dev, name);
    mknod(p, S_IFCHR | 0o666, makedev(major, minor));
    fs.chmodSync(p, 0o666); // the umask trimmed mknod's mode
  }
  const pts = path.join(dev, 'pts');
  fs.mkdirSync(pts);
  mount('devpts', pts, 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  const shm = path.join(dev, 'shm');
  fs.mkdirSync(shm);
  mount('shm', shm, 'tmpfs', nosuidNodevNoexec, 'mode=1777,size=65536k');
  const mqueue = path.join(dev, 'mqueue');
  fs.mkdirSync(mqueue);
  mount('mqueue', mqueue, 'mqueue', nosuidNodevNoexec, null);
  for (const [name, dest] of DEV_LINKS) fs.symlinkSync(dest, path.join(dev, name));
}

export function bindEtcFiles(root: string, files: InitSpec['etcFiles']): void {
  const pairs: [string, string][] = [
    [files.hostname, '/etc/hostname'],
    [files.hosts, '/etc/hosts'],
    [files.resolvConf, '/etc/resolv.conf'],
  ];
  for (const [source, target] of pairs) {
    mount(source, ensureTarget(root, target, 'file'), null, MS.BIND, null, `bind ${source}`);
  }
}

/** pivot_root the way runc does it, without a temporary directory for the old root. */
export function pivotInto(root: string, readonly: boolean): void {
  chdir(root);
  // With "." for both, the old root ends up mounted on top of the new one, at "/".
  pivotRoot('.', '.');
  // Make the old root a slave first, so unmounting it cannot propagate to the host.
  mount(null, '.', null, MS.SLAVE | MS.REC, null, 'rslave (old root)');
  // Detach the old root: what remains at "/" is the container's root.
  umount2('.', MNT_DETACH);
  chdir('/');
  if (readonly) mount(null, '/', null, MS.BIND | MS.REMOUNT | MS.RDONLY, null, 'read-only remount');
}
