// The userland port proxy on the real kernel: a "container" is a process in its own network
// namespace, joined to the host by a veth pair on a private 10.x.y.0/24; listeners inside it
// (busybox httpd, busybox nc, a node UDP echo) are reached through published host ports from
// 127.0.0.1 and from the host's own main address. Traffic stays between this host and that
// namespace.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BoxifyError } from '../../src/core/errors.js';
import { PortPublisher, toInspectPorts, type PortMapping } from '../../src/core/network/ports.js';
import { run } from '../../src/core/sys/command.js';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test.serial : test.serial.skip;
if (!isRoot) console.warn('SKIPPED test/integration/ports.test.ts: needs root (network namespaces, veth pairs)');

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const hex = randomBytes(3).toString('hex');
const hostVeth = `bxp${hex}`;
const nsVeth = `bxp${hex}c`;
const procs: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-ports-'));
let nsPid = 0;
let hostIp = '';
let ctrIp = '';
/** This machine's own address on its main interface (the default route's device). */
let mainIp = '';
const publishers: PortPublisher[] = [];

function publisher(): PortPublisher {
  const p = new PortPublisher();
  publishers.push(p);
  return p;
}

function nsSpawn(args: string[]): ChildProcess {
  const child = spawn('nsenter', ['-t', String(nsPid), '-n', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(child);
  return child;
}

/** True when something in the namespace listens on the TCP/UDP port (from /proc/<pid>/net). */
function nsListening(proto: 'tcp' | 'udp', port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  // busybox listens on "::" (dual-stack), which only the *6 table shows.
  const lines = [proto, `${proto}6`].flatMap((f) => fs.readFileSync(`/proc/${nsPid}/net/${f}`, 'utf8').split('\n').slice(1));
  return lines.some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1]?.endsWith(`:${hexPort}`) && (proto === 'udp' || f[3] === '0A');
  });
}

async function freeSubnetPrefix(): Promise<string> {
  const routes = (await run('ip', ['-4', 'route', 'show'])).stdout;
  for (;;) {
    const prefix = `10.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 256)}.`;
    if (!routes.includes(prefix)) return prefix;
  }
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
function freePort(ip = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: ip, port: 0 }, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}/ timed out`)));
    req.on('error', reject);
  });
}

/** Connects, writes `data`, half-closes, and collects everything until the peer closes. */
function tcpExchange(host: string, port: number, data: string): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, allowHalfOpen: true });
    let text = '';
    s.setEncoding('utf8');
    s.setTimeout(5000, () => s.destroy(new Error('timed out')));
    s.on('connect', () => s.end(data));
    s.on('data', (c: string) => (text += c));
    s.on('error', (e) => resolve({ text, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    s.on('close', () => resolve({ text }));
  });
}

function udpExchange(host: string, port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP answer from ${host}:${port}`));
    }, 5000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString('utf8'));
    });
    s.send(msg, port, host);
  });
}

function tryBind(host: string, port: number): Promise<net.Server | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', (e) => resolve(e));
    s.listen({ host, port, exclusive: true }, () => resolve(s));
  });
}

test.before(async () => {
  if (!isRoot) return;
  const holder = spawn('unshare', ['--net', 'sleep', '1000'], { stdio: 'ignore' });
  procs.push(holder);
  nsPid = holder.pid!;
  const ownNs = fs.readlinkSync('/proc/self/ns/net');
  await waitFor('the namespace holder', () => {
    try {
      return fs.readlinkSync(`/proc/${nsPid}/ns/net`) !== ownNs && fs.readFileSync(`/proc/${nsPid}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  });
  const prefix = await freeSubnetPrefix();
  hostIp = `${prefix}1`;
  ctrIp = `${prefix}2`;
  await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth, 'netns', String(nsPid)]);
  await run('ip', ['addr', 'add', `${hostIp}/24`, 'dev', hostVeth]);
  await run('ip', ['link', 'set', hostVeth, 'up']);
  const inNs = (args: string[]) => run('nsenter', ['-t', String(nsPid), '-n', 'ip', ...args]);
  await inNs(['addr', 'add', `${ctrIp}/24`, 'dev', nsVeth]);
  await inNs(['link', 'set', nsVeth, 'up']);
  await inNs(['link', 'set', 'lo', 'up']);

  const dev = /dev (\S+)/.exec((await run('ip', ['-4', 'route', 'show', 'default'])).stdout)?.[1];
  if (dev) mainIp = /inet (\d+\.\d+\.\d+\.\d+)/.exec((await run('ip', ['-4', '-o', 'addr', 'show', 'dev', dev])).stdout)?.[1] ?? '';

  const www = path.join(tmp, 'www');
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, 'index.html'), 'hello from the container\n');
  nsSpawn(['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', www]);
  // TCP echo that ends the connection after the client half-closes: checks FIN is passed on.
  nsSpawn(['/bin/busybox', 'nc', '-ll', '-p', '7', '-e', '/bin/busybox', 'cat']);
  nsSpawn([
    process.execPath,
    '-e',
    "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(Buffer.concat([Buffer.from('echo:'),m]),r.port,r.address));s.bind(5353)",
  ]);
  await waitFor('httpd, nc and the UDP echo in the namespace', () => nsListening('tcp', 80) && nsListening('tcp', 7) && nsListening('udp', 5353));
});

test.after.always(async () => {
  for (const p of publishers) await p.unpublishAll();
  for (const p of procs) p.kill('SIGKILL');
  await run('ip', ['link', 'del', hostVeth]).catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

rootTest('TCP through 127.0.0.1:<port>: an HTTP request reaches busybox httpd in the namespace', async (t) => {
  const pub = publisher();
  const port = await freePort('127.0.0.1');
  const id = randomBytes(32).toString('hex');
  const published = await pub.publish(id, ctrIp, [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 80, proto: 'tcp' }]);
  t.deepEqual(published, [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 80, proto: 'tcp', containerIp: ctrIp }]);
  t.deepEqual(pub.published(id), published);
  t.is(await httpGet('127.0.0.1', port), 'hello from the container\n');
  t.deepEqual(toInspectPorts(published, ['80/tcp']), { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
  // Bound to loopback only: the main address does not answer.
  if (mainIp) t.like(await tcpExchange(mainIp, port, 'x'), { error: 'ECONNREFUSED' });
  await pub.unpublish(id);
  t.deepEqual(pub.published(id), []);
});

rootTest('all addresses (empty HostIp, picked port): reachable from 127.0.0.1 and from the host\'s main address', async (t) => {
  t.truthy(mainIp, 'the host has a main interface address (default route device)');
  const pub = publisher();
  const id = randomBytes(32).toString('hex');
  const [p] = await pub.publish(id, ctrIp, [{ hostIp: '0.0.0.0', hostPort: 0, containerPort: 80, proto: 'tcp' }]);
  t.true(p!.hostPort >= 1 && p!.hostPort <= 65535);
  t.is(await httpGet('127.0.0.1', p!.hostPort), 'hello from the container\n');
  t.is(await httpGet(mainIp, p!.hostPort), 'hello from the container\n');
  // Half-close goes through: the echo sees EOF after our data, answers, and closes.
  const [e] = await pub.publish(id, ctrIp, [{ hostIp: '0.0.0.0', hostPort: 0, containerPort: 7, proto: 'tcp' }]);
  t.deepEqual(await tcpExchange('127.0.0.1', e!.hostPort, 'ping\n'), { text: 'ping\n' });
  // publish again replaced the container's earlier listener.
  t.deepEqual(pub.published(id), [e]);
  t.true((await tcpExchange('127.0.0.1', p!.hostPort, 'x')).error === 'ECONNREFUSED');
  await pub.unpublish(id);
});

rootTest('UDP: datagrams go to the container and answers come back', async (t) => {
  const pub = publisher();
  const id = randomBytes(32).toString('hex');
  const [u] = await pub.publish(id, ctrIp, [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 5353, proto: 'udp' }]);
  t.is(await udpExchange('127.0.0.1', u!.hostPort, 'one'), 'echo:one');
  t.is(await udpExchange('127.0.0.1', u!.hostPort, 'two'), 'echo:two');
  await pub.unpublish(id);
  const again = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.bind(u!.hostPort, '127.0.0.1', () => resolve());
  });
  again.close();
  t.pass();
});

rootTest('a taken host port is a 409 "port is already allocated", and nothing of the failed publish stays bound', async (t) => {
  const port = await freePort();
  const other = await tryBind('127.0.0.1', port);
  t.true(other instanceof net.Server);
  t.teardown(() => void (other as net.Server).close());
  const pub = publisher();
  const id = randomBytes(32).toString('hex');
  const first = await freePort();
  const mappings: PortMapping[] = [
    { hostIp: '0.0.0.0', hostPort: first, containerPort: 80, proto: 'tcp' },
    { hostIp: '127.0.0.1', hostPort: port, containerPort: 80, proto: 'tcp' },
  ];
  const err = await t.throwsAsync(pub.publish(id, ctrIp, mappings), { instanceOf: BoxifyError });
  t.is(err?.status, 409);
  t.regex(err!.message, new RegExp(`^port is already allocated: 127\\.0\\.0\\.1:${port} is in use \\(tcp\\)`));
  t.is(err?.field, 'HostConfig.PortBindings');
  t.deepEqual(pub.published(id), []);
  const freed = await tryBind('0.0.0.0', first);
  t.true(freed instanceof net.Server, 'the first mapping was released when the second failed');
  await new Promise((r) => (freed as net.Server).close(r));

  // All addresses conflicts with a program holding 127.0.0.1 on that port, too.
  const err2 = await t.throwsAsync(pub.publish(id, ctrIp, [{ hostIp: '0.0.0.0', hostPort: port, containerPort: 80, proto: 'tcp' }]));
  t.regex(err2!.message, new RegExp(`port is already allocated: 0\\.0\\.0\\.0:${port}`));

  // A second container asking for a port the first one published.
  const [mine] = await pub.publish(id, ctrIp, [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'tcp' }]);
  const err3 = await t.throwsAsync(
    publisher().publish(randomBytes(32).toString('hex'), ctrIp, [{ hostIp: '127.0.0.1', hostPort: mine!.hostPort, containerPort: 80, proto: 'tcp' }]),
  );
  t.is((err3 as BoxifyError).status, 409);
  // An address that is not this host's is a 400, not a 409.
  const err4 = await t.throwsAsync(pub.publish('x', ctrIp, [{ hostIp: '192.0.2.254', hostPort: 0, containerPort: 80, proto: 'tcp' }]));
  t.is((err4 as BoxifyError).status, mainIp === '192.0.2.254' ? 409 : 400);
  await pub.unpublishAll();
});

rootTest('unpublish frees the port and closes open connections; publish again (recovery) restores the same ports', async (t) => {
  const pub = publisher();
  const id = randomBytes(32).toString('hex');
  const published = await pub.publish(id, ctrIp, [
    { hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'tcp' },
    { hostIp: '127.0.0.1', hostPort: 0, containerPort: 7, proto: 'tcp' },
  ]);
  const [web, echo] = published;
  // A connection left open across unpublish is closed by it.
  const open = net.connect({ host: '127.0.0.1', port: echo!.hostPort });
  await new Promise((r) => open.once('connect', r));
  const closed = new Promise((r) => open.once('close', r));
  open.on('error', () => undefined);
  await pub.unpublish(id);
  await closed;
  t.like(await tcpExchange('127.0.0.1', web!.hostPort, 'x'), { error: 'ECONNREFUSED' });
  const s = await tryBind('127.0.0.1', web!.hostPort);
  t.true(s instanceof net.Server, 'the host port can be bound again after unpublish');
  await new Promise((r) => (s as net.Server).close(r));

  // A restarted daemon: a new publisher given the stored PublishedPort[] binds the same ports.
  const again = await publisher().publish(id, ctrIp, published);
  t.deepEqual(again, published);
  t.is(await httpGet('127.0.0.1', web!.hostPort), 'hello from the container\n');
});

rootTest('a container port with no listener: the client is reset, the proxy stays up', async (t) => {
  const pub = publisher();
  const id = randomBytes(32).toString('hex');
  const [dead, live] = await pub.publish(id, ctrIp, [
    { hostIp: '127.0.0.1', hostPort: 0, containerPort: 81, proto: 'tcp' },
    { hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'tcp' },
  ]);
  const r = await tcpExchange('127.0.0.1', dead!.hostPort, 'GET / HTTP/1.0\r\n\r\n');
  t.is(r.text, '');
  t.is(r.error, 'ECONNRESET');
  t.is(await httpGet('127.0.0.1', live!.hostPort), 'hello from the container\n');
  const r2 = await tcpExchange('127.0.0.1', dead!.hostPort, 'again');
  t.is(r2.error, 'ECONNRESET');
  await pub.unpublish(id);
});

rootTest('publish refuses a container without an IP address', async (t) => {
  const err = await t.throwsAsync(publisher().publish('abc', '', [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'tcp' }]));
  t.is((err as BoxifyError).status, 400);
  t.regex(err!.message, /no IP address/);
  t.deepEqual(await publisher().publish('abc', '', []), []);
});
