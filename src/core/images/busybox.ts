// Builds the default image's root filesystem from the host's static busybox, so a fresh
// offline machine can run containers with no download: /bin/busybox plus one link per
// applet, and a minimal /etc. Used by the image store's default image and by tests.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BoxifyError } from '../errors.js';

export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

export function findStaticBusybox(): string {
  for (const p of BUSYBOX_CANDIDATES) {
    if (!fs.existsSync(p)) continue;
    // A dynamically linked busybox would not run inside a rootfs without the host's libc.
    const head = fs.readFileSync(p).subarray(0, 4096).toString('latin1');
    if (!head.includes('/lib64/ld-linux') && !head.includes('/lib/ld-linux')) return p;
  }
  throw new BoxifyError(
    'unavailable',
    'no static busybox found for the default image: install the Debian package busybox-static (apt-get install busybox-static)',
  );
}

/** Writes a busybox root filesystem into `dir` (created; must be empty or absent). */
export function buildBusyboxRootfs(dir: string): void {
  const busybox = findStaticBusybox();
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'dev', 'proc', 'sys', 'tmp', 'root', 'home', 'var/tmp', 'run']) {
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  }
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.chmodSync(path.join(dir, 'var/tmp'), 0o1777);
  fs.chmodSync(path.join(dir, 'root'), 0o700);
  fs.copyFileSync(busybox, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  // `busybox --list-full` gives each applet's conventional path (bin/sh, usr/bin/env, ...).
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const rel of applets) {
    const link = path.join(dir, rel);
    if (rel === 'bin/busybox' || fs.existsSync(link)) continue;
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync('/bin/busybox', link);
  }
  const etc = (name: string, text: string) => fs.writeFileSync(path.join(dir, 'etc', name), text);
  etc('passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  etc('group', 'root:x:0:\nnogroup:x:65534:\n');
  etc('hostname', 'boxify\n');
  etc('hosts', '127.0.0.1\tlocalhost\n');
  etc('resolv.conf', '');
  etc('os-release', 'NAME="Boxify busybox"\nID=busybox\nPRETTY_NAME="Boxify busybox"\n');
}
