// cgroup v1 devices controller: which device nodes the container may open. A root process
// with CAP_MKNOD can make any node (mknod /tmp/mem c 1 1); this list decides whether it
// opens. Docker's allowlist (moby oci/devices, runc's AllowedDevices) without c 5:1
// (/dev/console: Boxify never makes one, and a node made with mknod would be the host's
// console): mknod of any node, read/write/mknod only of the harmless character devices below.
import * as path from 'node:path';
import { writeValue } from '../fsutil.js';

export const DEFAULT_ALLOW = [
  'c *:* m', // mknod of any character device (opening is what matters)
  'b *:* m', // and of any block device
  'c 1:3 rwm', // null
  'c 1:5 rwm', // zero
  'c 1:7 rwm', // full
  'c 1:8 rwm', // random
  'c 1:9 rwm', // urandom
  'c 5:0 rwm', // tty
  'c 5:2 rwm', // ptmx
  'c 136:* rwm', // pts/*
  'c 10:200 rwm', // net/tun (Docker allows it too)
];

/**
 * Deny everything, then allow the list; with `allowAll` (privileged) allow everything. Each
 * rule is its own write: the kernel parses one rule per write(2).
 */
export function apply(dir: string, allowAll: boolean, write: (file: string, value: string) => void = writeValue): void {
  if (allowAll) {
    write(path.join(dir, 'devices.allow'), 'a');
    return;
  }
  write(path.join(dir, 'devices.deny'), 'a');
  for (const rule of DEFAULT_ALLOW) write(path.join(dir, 'devices.allow'), rule);
}
