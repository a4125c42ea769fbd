// /etc/hostname, /etc/hosts and /etc/resolv.conf of a container: written into its directory
// on the host and bind-mounted over the image's files by boxify-init.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fsutil.js';
import type { ContainerRecord } from './record.js';

export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export function etcFilePaths(dir: string): EtcFiles {
  return { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf') };
}

export function writeEtcFiles(rec: ContainerRecord, dir: string, ip: string): EtcFiles {
  const files = etcFilePaths(dir);
  const host = rec.config.Hostname;
  writeFileAtomic(files.hostname, `${host}\n`);
  const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (ip) hosts.push(`${ip}\t${host}`);
  writeFileAtomic(files.hosts, hosts.join('\n') + '\n');
  writeFileAtomic(files.resolvConf, hostResolvConf().trim() + '\n');
  return files;
}

/** The host's resolvers, minus loopback ones that mean nothing inside the container. */
function hostResolvConf(): string {
  try {
    return fs
      .readFileSync('/etc/resolv.conf', 'utf8')
      .split('\n')
      .filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l))
      .join('\n');
  } catch {
    return '';
  }
}
