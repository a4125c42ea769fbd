// The bridge network on the real kernel: a private bridge and subnet, two "containers" that are
// plain processes in new net namespaces, traffic only between them, the gateway and the host.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BridgeNetwork, hostVethName } from '../../src/core/network/bridge.js';
import { Ipam } from '../../src/core/network/ipam.js';
import { run } from '../../src/core/sys/command.js';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test.serial : test.serial.skip;
if (!isRoot) console.warn('SKIPPED test/integration/network.test.ts: needs root (bridges, veths, iptables)');

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ownNetns = readlinkSync('/proc/self/ns/net');

/** A process in a new net namespace; resolves once `unshare` has switched namespace and exec'd. */
async function startNetnsProcess(procs: ChildProcess[]): Promise<number> {
  const child = spawn('unshare', ['--net', 'sleep', '1000'], { stdio: 'ignore' });
  procs.push(child);
  const pid = child.pid!;
  await waitFor(`pid ${pid} in its own net namespace`, () => {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`) !== ownNetns && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  });
  return pid;
}

/** A random 10.<100-199>.<0-255>.0/24 not already routed on this host. */
async function freeSubnet(): Promise<string> {
  const routes = (await run('ip', ['-4', 'route', 'show'])).stdout;
  for (;;) {
    const prefix = `10.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 256)}.`;
    if (!routes.includes(prefix)) return `${prefix}0/24`;
  }
}

async function ping(target: string, pid?: number): Promise<number> {
  const args = ['/bin/busybox', 'ping', '-c1', '-W2', target];
  const r = pid === undefined ? await run(args[0]!, args.slice(1), { okCodes: [0, 1] }) : await run('nsenter', ['-t', String(pid), '-n', ...args], { okCodes: [0, 1] });
  return r.exitCode;
}

async function taggedRules(tag: string): Promise<string[]> {
  const saved = (await run('iptables-save', [])).stdout;
  return saved.split('\n').filter((l) => l.includes(`"${tag}"`) || l.includes(`${tag} `));
}

rootTest('bridge, veth pairs, addresses, routes and NAT rules; everything removed afterwards', async (t) => {
  const bridge = `bxt${randomBytes(3).toString('hex')}`;
  const subnet = await freeSubnet();
  const stateDir = mkdtempSync(join(tmpdir(), 'boxify-net-'));
  const procs: ChildProcess[] = [];
  const ipam = new Ipam({ file: join(stateDir, 'leases.json'), subnet });
  const net = new BridgeNetwork({ bridge, subnet }, ipam);
  const idA = randomBytes(32).toString('hex');
  const idB = randomBytes(32).toString('hex');

  // Runs even when an assertion fails or something throws: processes, veths, rules, bridge, files.
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL');
    for (const id of [idA, idB]) await net.detach(id).catch(() => undefined);
    await net.teardown().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  await net.ensure();
  await net.ensure(); // idempotent: no second copy of any rule
  t.true(existsSync(`/sys/class/net/${bridge}/bridge`));
  const rules = await taggedRules(`boxify:${bridge}`);
  t.is(rules.length, 3, rules.join('\n'));
  t.true(rules.some((r) => r.includes('MASQUERADE') && r.includes(subnet)));
  t.is(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), '1');

  const [pidA, pidB, pidNone] = await Promise.all([startNetnsProcess(procs), startNetnsProcess(procs), startNetnsProcess(procs)]);

  let t0 = performance.now();
  const a = await net.attach(idA, pidA);
  const msA = performance.now() - t0;
  t0 = performance.now();
  const b = await net.attach(idB, pidB);
  const msB = performance.now() - t0;
  t.log(`attach(): ${msA.toFixed(1)} ms, ${msB.toFixed(1)} ms`);

  t.is(a.hostVeth, hostVethName(idA));
  t.is(a.gateway, ipam.gateway);
  t.is(a.prefixLength, 24);
  t.not(a.ip, b.ip);
  t.deepEqual(ipam.leases(), { [idA]: a.ip, [idB]: b.ip });
  t.deepEqual(net.listHostVeths(), [a.hostVeth, b.hostVeth].sort());

  // Inside A: eth0 with the leased address and the reported MAC, default route via the gateway.
  const addr = (await run('nsenter', ['-t', String(pidA), '-n', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
  t.true(addr.includes(`${a.ip}/24`), addr);
  // (sysfs shows the mounter's namespace, so the MAC is read with ip inside, not /sys.)
  const link = (await run('nsenter', ['-t', String(pidA), '-n', 'ip', '-o', 'link', 'show', 'dev', 'eth0'])).stdout;
  t.true(link.includes(`link/ether ${a.mac} `), link);
  const route = (await run('nsenter', ['-t', String(pidA), '-n', 'ip', '-4', 'route', 'show', 'default'])).stdout;
  t.true(route.includes(`via ${a.gateway} dev eth0`), route);

  t.is(await ping(a.gateway, pidA), 0, 'A -> gateway');
  t.is(await ping(b.ip, pidA), 0, 'A -> B');
  t.is(await ping(a.ip), 0, 'host -> A');

  // Network mode none: before loopbackOnly() lo is down, afterwards it answers; no eth0.
  t.not(await ping('127.0.0.1', pidNone), 0, 'lo is down in a fresh namespace');
  await net.loopbackOnly(pidNone);
  t.is(await ping('127.0.0.1', pidNone), 0, 'lo after loopbackOnly()');
  const links = (await run('nsenter', ['-t', String(pidNone), '-n', 'ip', '-o', 'link'])).stdout;
  t.is(links.split('\n').length, 1, links);

  // Detach while the container still runs: the veth pair goes, the lease is released.
  await net.detach(idA);
  t.false(existsSync(`/sys/class/net/${a.hostVeth}`));
  t.deepEqual(ipam.leases(), { [idB]: b.ip });
  t.deepEqual(net.listHostVeths(), [b.hostVeth]);

  for (const p of procs) p.kill('SIGKILL');
  await net.detach(idB);
  await net.teardown();
  t.false(existsSync(`/sys/class/net/${a.hostVeth}`));
  t.false(existsSync(`/sys/class/net/${b.hostVeth}`));
  t.false(existsSync(`/sys/class/net/${bridge}`));
  t.deepEqual(await taggedRules(`boxify:${bridge}`), []);
  t.deepEqual(ipam.leases(), {});
  await net.teardown(); // a second teardown finds nothing and does not fail
});

rootTest('attach() removes a stale veth of the same container and rolls back on failure', async (t) => {
  const bridge = `bxt${randomBytes(3).toString('hex')}`;
  const subnet = await freeSubnet();
  const stateDir = mkdtempSync(join(tmpdir(), 'boxify-net-'));
  const procs: ChildProcess[] = [];
  const ipam = new Ipam({ file: join(stateDir, 'leases.json'), subnet });
  const net = new BridgeNetwork({ bridge, subnet }, ipam);
  const id = randomBytes(32).toString('hex');
  t.teardown(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await net.detach(id).catch(() => undefined);
    await net.teardown().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });
  await net.ensure();

  // A leftover host veth with the container's name (as a crash or a slow netns teardown leaves).
  const stale = hostVethName(id);
  await run('ip', ['link', 'add', stale, 'type', 'veth', 'peer', 'name', `bxp${randomBytes(3).toString('hex')}`]);
  const pid = await startNetnsProcess(procs);
  const att = await net.attach(id, pid);
  t.is(att.hostVeth, stale);
  t.is(await ping(att.ip), 0, 'host -> container');

  // A pid that does not exist: the error names the command, and nothing stays behind.
  const other = randomBytes(32).toString('hex');
  const err = await t.throwsAsync(net.attach(other, 2 ** 22 + 1));
  t.regex(err!.message, /ip -batch -/);
  t.false(other in ipam.leases());
  t.false(existsSync(`/sys/class/net/${hostVethName(other)}`));

  for (const p of procs) p.kill('SIGKILL');
  await net.detach(id);
  await net.teardown();
  t.false(existsSync(`/sys/class/net/${bridge}`));
  t.false(existsSync(`/sys/class/net/${stale}`));
  t.deepEqual(await taggedRules(`boxify:${bridge}`), []);
});
