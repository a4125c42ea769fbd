// The daemon's bridge network: one Linux bridge with the gateway address, NAT for its subnet,
// and one veth pair per container whose inner end is eth0 in the container's net namespace.
//
// Every iptables rule carries the comment `boxify:<bridge>` and every host veth is named
// `bx<id prefix>`, so what a crashed daemon left behind can be found and removed by name.
// Commands go through `ip -batch -` (several changes per process) because each process
// spawned costs milliseconds: attach() runs exactly two (`ip` on the host, `nsenter ... ip`
// in the container), plus one `ip link del` only when a stale veth of the same name exists.
//
// ip_forward is switched on by ensure() and never switched back: other software on the host
// may rely on it, and we cannot know who else set it.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { errors, sysError } from '../errors.js';
import { run } from '../sys/command.js';
import { ipToInt, parseCidr, validateBridgeName, type Ipam } from './ipam.js';
import type { Attachment, BridgeConfig } from './types.js';

const SYS_NET = '/sys/class/net';
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/**
 * Host-side veth name for a container: `bx` + the first 11 characters of its id, which fits
 * the kernel's 15-character limit and is the same on every call (crash cleanup relies on it).
 */
export function hostVethName(containerId: string): string {
  if (typeof containerId !== 'string' || !/^[a-zA-Z0-9_.-]+$/.test(containerId)) {
    throw errors.invalid('containerId', `"${String(containerId)}" cannot name a network interface: use letters, digits, _ . -`);
  }
  return `bx${containerId.slice(0, 11)}`;
}

/** Docker's scheme: 02:42 (locally administered) followed by the four bytes of the IPv4 address. */
export function macForIp(ip: string): string {
  const n = ipToInt(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function checkPid(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 0) throw errors.invalid('pid', `${pid} is not a process id`);
}

/** Runs `ip -batch -` with one command per line, in the host or (with `pid`) a process's net namespace. */
async function ipBatch(lines: string[], pid?: number): Promise<void> {
  const input = lines.join('\n') + '\n';
  if (pid === undefined) await run('ip', ['-batch', '-'], { input });
  else await run('nsenter', ['-t', String(pid), '-n', 'ip', '-batch', '-'], { input });
}

export class BridgeNetwork {
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly prefixLength: number;
  /** The comment every iptables rule of this bridge carries. */
  readonly tag: string;

  constructor(
    config: BridgeConfig,
    readonly ipam: Ipam,
  ) {
    this.bridge = validateBridgeName(config.bridge);
    const cidr = parseCidr(config.subnet, 'subnet');
    if (cidr.networkInt !== ipam.cidr.networkInt || cidr.prefixLength !== ipam.cidr.prefixLength) {
      throw errors.invalid('subnet', `${config.subnet} differs from the IP lease table's subnet ${ipam.subnet}: create both from the same configuration`);
    }
    if (config.gateway !== undefined && ipToInt(config.gateway, 'gateway') !== ipToInt(ipam.gateway)) {
      throw errors.invalid('gateway', `${config.gateway} differs from the IP lease table's gateway ${ipam.gateway}: create both from the same configuration`);
    }
    this.subnet = ipam.subnet;
    this.gateway = ipam.gateway;
    this.prefixLength = cidr.prefixLength;
    this.tag = `boxify:${this.bridge}`;
  }

  /** The iptables rules of this bridge as [table, chain, match-and-target args], in iptables-save order. */
  private rules(): Array<[string, string, string[]]> {
    const c = ['-m', 'comment', '--comment', this.tag];
    return [
      ['nat', 'POSTROUTING', ['-s', this.subnet, '!', '-o', this.bridge, ...c, '-j', 'MASQUERADE']],
      ['filter', 'FORWARD', ['-i', this.bridge, ...c, '-j', 'ACCEPT']],
      ['filter', 'FORWARD', ['-o', this.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...c, '-j', 'ACCEPT']],
    ];
  }

  /** Creates or completes the bridge, forwarding and NAT. Idempotent: run at every daemon start. */
  async ensure(): Promise<void> {
    const dev = `${SYS_NET}/${this.bridge}`;
    const lines: string[] = [];
    if (!existsSync(dev)) {
      // A fixed MAC keeps the bridge's address from changing as ports join and leave
      // (by default a bridge takes the lowest port MAC), which would stale neighbours' ARP.
      lines.push(`link add ${this.bridge} address ${macForIp(this.gateway)} type bridge`);
    } else if (!existsSync(`${dev}/bridge`)) {
      throw errors.conflict(`network interface ${this.bridge} exists and is not a bridge: delete it or configure another bridge name`);
    }
    lines.push(`addr replace ${this.gateway}/${this.prefixLength} dev ${this.bridge}`, `link set ${this.bridge} up`);
    await ipBatch(lines);

    try {
      if ((await readFile(IP_FORWARD, 'utf8')).trim() !== '1') await writeFile(IP_FORWARD, '1\n');
    } catch (err) {
      throw sysError('enable IPv4 forwarding: write', IP_FORWARD, err);
    }

    for (const [table, chain, spec] of this.rules()) {
      const check = await run('iptables', ['-w', '-t', table, '-C', chain, ...spec], { okCodes: [0, 1] });
      if (check.exitCode !== 0) await run('iptables', ['-w', '-t', table, '-A', chain, ...spec]);
    }
  }

  /**
   * Connects the net namespace of `pid` to the bridge: leases an IP, creates the veth pair
   * with the inner end born as eth0 directly in the namespace (no temporary name to rename),
   * then sets its address, lo, and the default route from inside.
   */
  async attach(containerId: string, pid: number): Promise<Attachment> {
    checkPid(pid);
    const hostVeth = hostVethName(containerId);
    const ip = await this.ipam.allocate(containerId);
    const mac = macForIp(ip);
    try {
      // A veth of a previous run of this container can outlive its namespace for a moment
      // (namespaces are destroyed asynchronously): remove it so the name is free.
      if (existsSync(`${SYS_NET}/${hostVeth}`)) await this.deleteLink(hostVeth);
      await ipBatch([
        `link add ${hostVeth} type veth peer name eth0 address ${mac} netns ${pid}`,
        `link set ${hostVeth} master ${this.bridge} up`,
      ]);
      await ipBatch(
        [
          'link set lo up',
          `addr add ${ip}/${this.prefixLength} dev eth0`,
          'link set eth0 up',
          `route add default via ${this.gateway} dev eth0`,
        ],
        pid,
      );
    } catch (err) {
      await this.deleteLink(hostVeth).catch(() => undefined);
      await this.ipam.release(containerId).catch(() => undefined);
      throw err;
    }
    return { hostVeth, ip, prefixLength: this.prefixLength, gateway: this.gateway, mac };
  }

  /** For network mode "none": only the loopback interface, up. */
  async loopbackOnly(pid: number): Promise<void> {
    checkPid(pid);
    await ipBatch(['link set lo up'], pid);
  }

  /** Removes the container's veth pair (if still there) and releases its IP. */
  async detach(containerId: string): Promise<void> {
    const hostVeth = hostVethName(containerId);
    if (existsSync(`${SYS_NET}/${hostVeth}`)) await this.deleteLink(hostVeth);
    await this.ipam.release(containerId);
  }

  /** Removes this bridge's iptables rules and the bridge itself. ip_forward is left as it is. */
  async teardown(): Promise<void> {
    const saved = await run('iptables-save', []);
    const byTable = new Map<string, string[]>();
    let table = '';
    // iptables-save prints `--comment "boxify:br0"`; match the whole tag so that bridge br0
    // does not take br01's rules with it.
    const tagged = new RegExp(`--comment "?${this.tag.replace(/[.]/g, '\\.')}"?(\\s|$)`);
    for (const line of saved.stdout.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1).trim();
      else if (line.startsWith('-A ') && tagged.test(line)) {
        const list = byTable.get(table) ?? [];
        list.push(`-D ${line.slice(3)}`);
        byTable.set(table, list);
      }
    }
    if (byTable.size > 0) {
      // One iptables-restore deletes them all; --noflush leaves every other rule untouched.
      const input = [...byTable].map(([t, dels]) => `*${t}\n${dels.join('\n')}\nCOMMIT\n`).join('');
      await run('iptables-restore', ['-w', '--noflush'], { input });
    }
    if (existsSync(`${SYS_NET}/${this.bridge}`)) await this.deleteLink(this.bridge);
  }

  /** The bx* veths enslaved to this bridge, for collecting what a crash left behind. */
  listHostVeths(): string[] {
    try {
      const ports = readdirSync(`${SYS_NET}/${this.bridge}/brif`);
      return ports.filter((p) => p.startsWith('bx')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw sysError('list ports of bridge', this.bridge, err);
    }
  }

  /** Deletes a host-side veth if it is still there (its container has exited). */
  async removeVeth(name: string): Promise<void> {
    if (existsSync(`${SYS_NET}/${name}`)) await this.deleteLink(name);
  }

  /** `ip link del`, treating "already gone" (a race with namespace teardown) as success. */
  private async deleteLink(name: string): Promise<void> {
    const r = await run('ip', ['link', 'del', name], { okCodes: [0, 1] });
    if (r.exitCode !== 0 && existsSync(`${SYS_NET}/${name}`)) {
      throw errors.internal(`ip link del ${name} failed: ${r.stderr.trim()}`);
    }
  }
}
