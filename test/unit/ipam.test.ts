import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoxifyError } from '../../src/core/errors.js';
import { hostVethName, macForIp } from '../../src/core/network/bridge.js';
import { Ipam, intToIp, ipToInt, parseCidr, validateBridgeName } from '../../src/core/network/ipam.js';

function tempFile(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxify-ipam-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state', 'leases.json');
}

test('ipToInt and intToIp round-trip, and bad addresses name the field', (t) => {
  t.is(ipToInt('10.88.0.1'), 0x0a580001);
  t.is(ipToInt('255.255.255.255'), 0xffffffff);
  t.is(intToIp(0xffffffff), '255.255.255.255');
  t.is(intToIp(ipToInt('192.168.3.4')), '192.168.3.4');
  for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.01', 'a.b.c.d', '']) {
    const err = t.throws(() => ipToInt(bad, 'gateway'), { instanceOf: BoxifyError });
    t.is(err?.field, 'gateway');
    t.regex(err!.message, /invalid gateway/);
  }
});

test('parseCidr computes network, broadcast and host range', (t) => {
  const c = parseCidr('10.88.0.0/16');
  t.is(c.network, '10.88.0.0');
  t.is(c.prefixLength, 16);
  t.is(c.broadcast, '10.88.255.255');
  t.is(intToIp(c.firstHostInt), '10.88.0.1');
  t.is(intToIp(c.lastHostInt), '10.88.255.254');
});

test('parseCidr rejects bad CIDRs with an error naming the field and the fix', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['10.88.0.0', /ADDRESS\/PREFIX/],
    ['10.88.0.0/33', /between \/1 and \/30/],
    ['10.88.0.0/31', /between \/1 and \/30/],
    ['10.88.0.1/16', /host bits set: use 10\.88\.0\.0\/16/],
    ['300.1.1.0/24', /not an IPv4 address/],
    ['garbage', /not an IPv4 CIDR/],
  ];
  for (const [cidr, re] of cases) {
    const err = t.throws(() => parseCidr(cidr, 'network.subnet'), { instanceOf: BoxifyError });
    t.is(err?.field, 'network.subnet', cidr);
    t.is(err?.code, 'invalid_argument');
    t.regex(err!.message, /^invalid network\.subnet: /);
    t.regex(err!.message, re, cidr);
  }
});

test('validateBridgeName accepts interface names and rejects the rest', (t) => {
  t.is(validateBridgeName('boxify-bridge0'), 'boxify-bridge0');
  t.is(validateBridgeName('br_0.1'), 'br_0.1');
  for (const bad of ['', 'a-name-too-long-16', 'br 0', 'br/0', 'br:0', '..']) {
    const err = t.throws(() => validateBridgeName(bad), { instanceOf: BoxifyError });
    t.is(err?.field, 'bridge');
  }
});

test('hostVethName is deterministic and fits 15 characters', (t) => {
  const id = 'f'.repeat(64);
  t.is(hostVethName(id), 'bx' + 'f'.repeat(11));
  t.is(hostVethName(id).length, 13);
  t.true(hostVethName(id).length <= 15);
  t.is(hostVethName(id), hostVethName(id));
  t.is(hostVethName('abc'), 'bxabc');
  t.throws(() => hostVethName('a/b'), { instanceOf: BoxifyError });
  t.throws(() => hostVethName(''), { instanceOf: BoxifyError });
});

test('macForIp follows the 02:42:<ip bytes> scheme', (t) => {
  t.is(macForIp('10.88.0.2'), '02:42:0a:58:00:02');
});

test('allocate hands out distinct addresses, skipping network and gateway, and is stable per id', async (t) => {
  const ipam = new Ipam({ file: tempFile(t), subnet: '10.88.0.0/24' });
  t.is(ipam.gateway, '10.88.0.1');
  const a = await ipam.allocate('a');
  const b = await ipam.allocate('b');
  t.is(a, '10.88.0.2');
  t.is(b, '10.88.0.3');
  t.is(await ipam.allocate('a'), a);
  t.deepEqual(ipam.leases(), { a, b });
});

test('a gateway outside the first address is skipped too', async (t) => {
  const ipam = new Ipam({ file: tempFile(t), subnet: '10.88.0.0/30', gateway: '10.88.0.2' });
  t.is(await ipam.allocate('a'), '10.88.0.1');
  await t.throwsAsync(ipam.allocate('b'), { instanceOf: BoxifyError });
});

test('a gateway outside the subnet is rejected naming the field', (t) => {
  for (const gateway of ['10.89.0.1', '10.88.0.0', '10.88.0.255']) {
    const err = t.throws(() => new Ipam({ file: '/nonexistent/x.json', subnet: '10.88.0.0/24', gateway }), {
      instanceOf: BoxifyError,
    });
    t.is(err?.field, 'gateway');
  }
});

test('20 concurrent allocations get 20 distinct addresses', async (t) => {
  const file = tempFile(t);
  const ipam = new Ipam({ file, subnet: '10.88.0.0/24' });
  const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
  const ips = await Promise.all(ids.map((id) => ipam.allocate(id)));
  t.is(new Set(ips).size, 20);
  t.false(ips.includes('10.88.0.0'));
  t.false(ips.includes('10.88.0.1'));
  // The same id asked for concurrently still gets one address.
  const again = await Promise.all([ipam.allocate('x'), ipam.allocate('x'), ipam.allocate('x')]);
  t.is(new Set(again).size, 1);
  t.is(Object.keys(ipam.leases()).length, 21);
  const onDisk = JSON.parse(readFileSync(file, 'utf8')) as { leases: Record<string, string> };
  t.deepEqual(onDisk.leases, ipam.leases());
});

test('release frees an address for reuse; releasing an unknown id is a no-op', async (t) => {
  const ipam = new Ipam({ file: tempFile(t), subnet: '10.88.0.0/24' });
  const a = await ipam.allocate('a');
  await ipam.allocate('b');
  await ipam.release('a');
  await ipam.release('never-allocated');
  t.false('a' in ipam.leases());
  t.is(await ipam.allocate('c'), a);
});

test('leases persist across a new Ipam on the same file', async (t) => {
  const file = tempFile(t);
  const first = new Ipam({ file, subnet: '10.88.0.0/24' });
  const a = await first.allocate('a');
  const b = await first.allocate('b');
  await first.release('a');
  const second = new Ipam({ file, subnet: '10.88.0.0/24' });
  t.deepEqual(second.leases(), { b });
  t.is(await second.allocate('b'), b);
  t.is(await second.allocate('c'), a);
});

test('prune drops leases of containers that no longer exist', async (t) => {
  const file = tempFile(t);
  const ipam = new Ipam({ file, subnet: '10.88.0.0/24' });
  await Promise.all(['a', 'b', 'c'].map((id) => ipam.allocate(id)));
  const dropped = await ipam.prune(new Set(['b']));
  t.deepEqual(dropped.sort(), ['a', 'c']);
  t.deepEqual(Object.keys(ipam.leases()), ['b']);
  t.deepEqual(Object.keys(new Ipam({ file, subnet: '10.88.0.0/24' }).leases()), ['b']);
});

test('an exhausted subnet gives a clear error, and releasing makes room again', async (t) => {
  // A /29 has 6 host addresses; one is the gateway.
  const ipam = new Ipam({ file: tempFile(t), subnet: '10.88.0.0/29' });
  const ips = await Promise.all([1, 2, 3, 4, 5].map((i) => ipam.allocate(`c${i}`)));
  t.deepEqual(ips.sort(), ['10.88.0.2', '10.88.0.3', '10.88.0.4', '10.88.0.5', '10.88.0.6']);
  const err = await t.throwsAsync(ipam.allocate('c6'), { instanceOf: BoxifyError });
  t.is(err?.code, 'unavailable');
  t.regex(err!.message, /no free IP address left in subnet 10\.88\.0\.0\/29.*larger subnet/);
  t.false('c6' in ipam.leases());
  await ipam.release('c3');
  t.is(await ipam.allocate('c6'), '10.88.0.4');
});

test('a corrupt lease file is refused, not overwritten', (t) => {
  const broken = join(mkdtempSync(join(tmpdir(), 'boxify-ipam-bad-')), 'leases.json');
  t.teardown(() => rmSync(join(broken, '..'), { recursive: true, force: true }));
  writeFileSync(broken, '{"leases": {');
  const err = t.throws(() => new Ipam({ file: broken, subnet: '10.88.0.0/24' }), { instanceOf: BoxifyError });
  t.regex(err!.message, /not valid JSON/);
  t.is(readFileSync(broken, 'utf8'), '{"leases": {');
});

test('leases outside a reconfigured subnet are dropped on load', async (t) => {
  const file = tempFile(t);
  const old = new Ipam({ file, subnet: '10.88.0.0/24' });
  await old.allocate('a');
  const moved = new Ipam({ file, subnet: '10.99.0.0/24' });
  t.deepEqual(moved.leases(), {});
  t.is(await moved.allocate('a'), '10.99.0.2');
});
