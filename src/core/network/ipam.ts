// IPv4 address management for the daemon's bridge subnet. Leases (container id -> IP) live in
// one JSON file under the state root, rewritten atomically (temporary file, fsync, rename) on
// every change, so a crash leaves either the old or the new lease table, never half of one.
// One daemon owns the file; inside it, allocations are serialised by a promise-chain mutex so
// two concurrent `allocate()` calls can never pick the same free address.
import { readFileSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BoxifyError, errors } from '../errors.js';

export interface Cidr {
  /** Network address, e.g. 10.88.0.0. */
  network: string;
  prefixLength: number;
  /** Network address as an unsigned 32-bit integer. */
  networkInt: number;
  /** Netmask as an unsigned 32-bit integer. */
  maskInt: number;
  /** Broadcast address, e.g. 10.88.255.255. */
  broadcast: string;
  broadcastInt: number;
  /** First and last addresses usable by hosts (network and broadcast excluded). */
  firstHostInt: number;
  lastHostInt: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses a dotted-quad IPv4 address; `field` names the setting in the error. */
export function ipToInt(ip: string, field = 'ip'): number {
  const parts = typeof ip === 'string' ? ip.split('.') : [];
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p) && Number(p) <= 255)) {
    throw errors.invalid(field, `"${String(ip)}" is not an IPv4 address: write four numbers 0-255 separated by dots, e.g. 10.88.0.1`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Parses `a.b.c.d/len`. The prefix must leave room for a gateway and at least one container
 * (length 1-30), and the host bits must be zero, so the configured subnet is unambiguous.
 */
export function parseCidr(cidr: string, field = 'subnet'): Cidr {
  const m = typeof cidr === 'string' ? /^([0-9.]+)\/([0-9]{1,2})$/.exec(cidr.trim()) : null;
  if (!m) {
    throw errors.invalid(field, `"${String(cidr)}" is not an IPv4 CIDR: write ADDRESS/PREFIX, e.g. 10.88.0.0/16`);
  }
  const addr = ipToInt(m[1]!, field);
  const prefixLength = Number(m[2]);
  if (prefixLength < 1 || prefixLength > 30) {
    throw errors.invalid(field, `prefix length /${prefixLength} in "${cidr}" must be between /1 and /30 (a /30 holds the gateway and one container)`);
  }
  const maskInt = (0xffffffff << (32 - prefixLength)) >>> 0;
  const networkInt = (addr & maskInt) >>> 0;
  if (networkInt !== addr) {
    throw errors.invalid(field, `"${cidr}" has host bits set: use ${intToIp(networkInt)}/${prefixLength}`);
  }
  const broadcastInt = (networkInt | ~maskInt) >>> 0;
  return {
    network: intToIp(networkInt),
    prefixLength,
    networkInt,
    maskInt,
    broadcast: intToIp(broadcastInt),
    broadcastInt,
    firstHostInt: networkInt + 1,
    lastHostInt: broadcastInt - 1,
  };
}

/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), and no characters `ip` would misread. */
export function validateBridgeName(name: string, field = 'bridge'): string {
  if (typeof name !== 'string' || !/^[a-zA-Z0-9_.-]{1,15}$/.test(name) || name === '.' || name === '..') {
    throw errors.invalid(field, `"${String(name)}" is not a valid interface name: use 1-15 characters from a-z A-Z 0-9 _ . -`);
  }
  return name;
}

export interface IpamOptions {
  /** The JSON file holding the leases; its directory is created when missing. */
  file: string;
  /** Subnet in CIDR form, e.g. 10.88.0.0/16. */
  subnet: string;
  /** Gateway (the bridge's address); defaults to the subnet's first host address. */
  gateway?: string;
}

interface LeaseFile {
  subnet: string;
  gateway: string;
  leases: Record<string, string>;
}

export class Ipam {
  readonly file: string;
  readonly cidr: Cidr;
  readonly subnet: string;
  readonly gateway: string;
  private readonly gatewayInt: number;
  /** container id -> address as integer; the in-memory copy of the file. */
  private readonly table = new Map<string, number>();
  /** Tail of the mutex chain: every mutation runs after the previous one settled. */
  private tail: Promise<unknown> = Promise.resolve();

  /** Reads the lease file synchronously (once, at daemon start) so `leases()` can be synchronous. */
  constructor(opts: IpamOptions) {
    this.file = opts.file;
    this.cidr = parseCidr(opts.subnet, 'subnet');
    this.subnet = `${this.cidr.network}/${this.cidr.prefixLength}`;
    this.gatewayInt = opts.gateway === undefined ? this.cidr.firstHostInt : ipToInt(opts.gateway, 'gateway');
    if (!this.isHost(this.gatewayInt)) {
      throw errors.invalid(
        'gateway',
        `${opts.gateway} is not a host address of ${this.subnet}: pick one between ${intToIp(this.cidr.firstHostInt)} and ${intToIp(this.cidr.lastHostInt)}`,
      );
    }
    this.gateway = intToIp(this.gatewayInt);
    this.load();
  }

  /** The address leased to `containerId`, allocating the lowest free one on first call. */
  allocate(containerId: string): Promise<string> {
    if (typeof containerId !== 'string' || containerId === '') {
      return Promise.reject(errors.invalid('containerId', 'must be a non-empty string'));
    }
    return this.locked(async () => {
      const existing = this.table.get(containerId);
      if (existing !== undefined) return intToIp(existing);
      const used = new Set(this.table.values());
      used.add(this.gatewayInt);
      for (let n = this.cidr.firstHostInt; n <= this.cidr.lastHostInt; n++) {
        if (used.has(n)) continue;
        this.table.set(containerId, n);
        try {
          await this.save();
        } catch (err) {
          this.table.delete(containerId);
          throw err;
        }
        return intToIp(n);
      }
      throw new BoxifyError(
        'unavailable',
        `no free IP address left in subnet ${this.subnet} (${this.table.size} leased): remove unused containers or configure a larger subnet`,
        { field: 'subnet' },
      );
    });
  }

  /** Gives the container's address back; releasing an unknown id does nothing. */
  release(containerId: string): Promise<void> {
    return this.locked(async () => {
      const had = this.table.get(containerId);
      if (had === undefined) return;
      this.table.delete(containerId);
      try {
        await this.save();
      } catch (err) {
        this.table.set(containerId, had);
        throw err;
      }
    });
  }

  /** Drops the leases of containers not in `liveIds` (after a crash); returns the ids dropped. */
  prune(liveIds: Set<string>): Promise<string[]> {
    return this.locked(async () => {
      const dropped = [...this.table.keys()].filter((id) => !liveIds.has(id));
      if (dropped.length === 0) return dropped;
      const before = new Map(this.table);
      for (const id of dropped) this.table.delete(id);
      try {
        await this.save();
      } catch (err) {
        for (const [id, n] of before) this.table.set(id, n);
        throw err;
      }
      return dropped;
    });
  }

  /** A snapshot of the current leases: container id -> IP. */
  leases(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, n] of this.table) out[id] = intToIp(n);
    return out;
  }

  private isHost(n: number): boolean {
    return n >= this.cidr.firstHostInt && n <= this.cidr.lastHostInt;
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new BoxifyError('internal', `read IP lease file ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    let data: Partial<LeaseFile>;
    try {
      data = JSON.parse(text) as Partial<LeaseFile>;
    } catch (err) {
      // Refuse rather than start empty: handing out addresses that running containers hold
      // would be worse than stopping. The fix is the user's call.
      throw new BoxifyError(
        'internal',
        `IP lease file ${this.file} is not valid JSON (${(err as Error).message}): repair it, or delete it if no container is running`,
        { cause: err },
      );
    }
    const leases = data && typeof data.leases === 'object' && data.leases !== null ? data.leases : {};
    const taken = new Set<number>([this.gatewayInt]);
    for (const [id, ip] of Object.entries(leases)) {
      let n: number;
      try {
        n = ipToInt(ip);
      } catch {
        continue;
      }
      // A lease outside the current subnet (the subnet was reconfigured) or clashing with the
      // gateway or another lease cannot be honoured; it is dropped at the next write.
      if (!this.isHost(n) || taken.has(n)) continue;
      taken.add(n);
      this.table.set(id, n);
    }
  }

  private async save(): Promise<void> {
    const data: LeaseFile = { subnet: this.subnet, gateway: this.gateway, leases: this.leases() };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      const fh = await open(tmp, 'w', 0o644);
      try {
        await fh.writeFile(JSON.stringify(data, null, 2) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new BoxifyError('internal', `write IP lease file ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }
}
