// The node binary that boxify-init and exec helpers run from: a read-only bind mount of the
// daemon's own node, made at daemon start under <state root>/run.
//
// Why (the second half of CVE-2019-5736): while boxify-init is a container's PID 1, and while
// an exec helper enters a container, the kernel knows them as the host's node binary. A
// container command that is a `#!/proc/self/exe` script (or an image entrypoint pointing
// there) makes the kernel run that binary again, now as a container process, which may then
// open /proc/self/exe: an fd on the host's node. Writing through it failed only with ETXTBSY
// while some node ran; setting `security.capability` on it passed the permission check. When
// node is executed from a read-only mount, /proc/self/exe leads to that read-only mount, and
// writes, chmod and xattr changes through it fail with EROFS.
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, MS, SysError, mount, umount2 } from './ffi.js';

/** Where the read-only node lives below a state root. */
export function nodeBinaryPath(stateRoot: string): string {
  return path.join(stateRoot, 'run', 'node');
}

/**
 * Binds `source` (the daemon's own node) read-only, nosuid and nodev at <root>/run/node and
 * returns that path. A leftover of a daemon that died is replaced. The mount is private, so
 * it propagates nowhere and its removal neither.
 */
export function bindNodeBinary(stateRoot: string, source = process.execPath): string {
  const target = nodeBinaryPath(stateRoot);
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  unbindNodeBinary(stateRoot);
  fs.writeFileSync(target, '', { mode: 0o500 });
  mount(source, target, null, MS.BIND, null, `bind ${source}`);
  try {
    mount(null, target, null, MS.PRIVATE, null, 'private');
    // MS_RDONLY is ignored on the first bind call; only a remount applies it.
    mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV, null, 'read-only remount');
  } catch (err) {
    unbindNodeBinary(stateRoot);
    throw err;
  }
  return target;
}

/** Detaches every mount stacked at <root>/run/node and removes the file. Idempotent. */
export function unbindNodeBinary(stateRoot: string): void {
  const target = nodeBinaryPath(stateRoot);
  // MNT_DETACH: a node still running from it (an init or exec helper) keeps it until it ends.
  for (let i = 0; i < 16; i++) {
    try {
      umount2(target, MNT_DETACH);
    } catch (err) {
      if (err instanceof SysError && (err.errno === 'EINVAL' || err.errno === 'ENOENT')) break; // not a mount point (any more)
      throw err;
    }
  }
  fs.rmSync(target, { force: true });
}
