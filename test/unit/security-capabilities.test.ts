import test from 'ava';
import { BoxifyError } from '../../src/core/errors.js';
import {
  ALL_CAPABILITIES,
  CAPABILITIES,
  DEFAULT_CAPS,
  DOCKER_DEFAULT_CAPS,
  capabilitiesFromMask,
  capabilityMask,
  normalizeCapability,
  readCapabilitySet,
  resolveCapabilities,
} from '../../src/core/security/capabilities.js';

test('the table has the 41 capabilities of Linux 6.x with unique numbers 0..40', (t) => {
  t.is(ALL_CAPABILITIES.length, 41);
  t.is(CAPABILITIES.CAP_CHOWN, 0);
  t.is(CAPABILITIES.CAP_SYS_ADMIN, 21);
  t.is(CAPABILITIES.CAP_SETFCAP, 31);
  t.is(CAPABILITIES.CAP_CHECKPOINT_RESTORE, 40);
  t.deepEqual(
    Object.values(CAPABILITIES).sort((a, b) => a - b),
    Array.from({ length: 41 }, (_, i) => i),
  );
});

test("Docker's 14 default capabilities are the well-known mask a80425fb", (t) => {
  t.is(DOCKER_DEFAULT_CAPS.length, 14);
  t.is(capabilityMask(DOCKER_DEFAULT_CAPS), 0xa80425fbn);
  t.deepEqual(capabilitiesFromMask(0xa80425fbn), [...DOCKER_DEFAULT_CAPS]);
});

test("no CapAdd/CapDrop gives the defaults: Docker's 14 without NET_RAW (mask a80405fb); CapAdd NET_RAW gives Docker's", (t) => {
  t.deepEqual(DEFAULT_CAPS, DOCKER_DEFAULT_CAPS.filter((c) => c !== 'CAP_NET_RAW'));
  t.is(capabilityMask(DEFAULT_CAPS), 0xa80405fbn);
  t.deepEqual(resolveCapabilities({}), [...DEFAULT_CAPS]);
  t.deepEqual(resolveCapabilities({ capAdd: null, capDrop: [] }), [...DEFAULT_CAPS]);
  t.deepEqual(resolveCapabilities({ capAdd: ['NET_RAW'] }), [...DOCKER_DEFAULT_CAPS]);
});

test('names are accepted with or without CAP_, in any case', (t) => {
  t.is(normalizeCapability('net_admin'), 'CAP_NET_ADMIN');
  t.is(normalizeCapability('CAP_NET_ADMIN'), 'CAP_NET_ADMIN');
  t.is(normalizeCapability('Cap_Sys_Ptrace'), 'CAP_SYS_PTRACE');
  t.is(normalizeCapability('all'), 'ALL');
  t.is(normalizeCapability('FLY'), undefined);
  const caps = resolveCapabilities({ capAdd: ['net_admin', 'CAP_SYS_PTRACE'] });
  t.true(caps.includes('CAP_NET_ADMIN'));
  t.true(caps.includes('CAP_SYS_PTRACE'));
  t.is(caps.length, 15);
});

test('CapDrop removes defaults; the result is in number order without duplicates', (t) => {
  const caps = resolveCapabilities({ capAdd: ['CHOWN', 'SYS_ADMIN'], capDrop: ['net_raw', 'MKNOD'] });
  t.false(caps.includes('CAP_NET_RAW'));
  t.false(caps.includes('CAP_MKNOD'));
  t.true(caps.includes('CAP_SYS_ADMIN'));
  t.is(caps.filter((c) => c === 'CAP_CHOWN').length, 1);
  const nums = caps.map((c) => CAPABILITIES[c]!);
  t.deepEqual(nums, [...nums].sort((a, b) => a - b));
});

test('an add wins over a drop of the same capability (as moby does)', (t) => {
  t.true(resolveCapabilities({ capAdd: ['NET_RAW'], capDrop: ['NET_RAW'] }).includes('CAP_NET_RAW'));
});

test('CapAdd ALL keeps everything but CapDrop; CapDrop ALL keeps only CapAdd', (t) => {
  const all = resolveCapabilities({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] });
  t.is(all.length, 40);
  t.false(all.includes('CAP_SYS_ADMIN'));
  t.deepEqual(resolveCapabilities({ capDrop: ['all'], capAdd: ['kill', 'CHOWN'] }), ['CAP_CHOWN', 'CAP_KILL']);
  t.deepEqual(resolveCapabilities({ capDrop: ['ALL'] }), []);
});

test('privileged keeps every capability', (t) => {
  t.deepEqual(resolveCapabilities({ privileged: true, capDrop: ['CHOWN'] }), [...ALL_CAPABILITIES]);
});

test('an unknown name is a 400 naming the field and the name', (t) => {
  const add = t.throws(() => resolveCapabilities({ capAdd: ['NET_ADMINN'] }), { instanceOf: BoxifyError });
  t.is(add.code, 'invalid_argument');
  t.is(add.field, 'CapAdd');
  t.regex(add.message, /CapAdd.*"NET_ADMINN".*NET_ADMIN or CAP_NET_ADMIN/);
  const drop = t.throws(() => resolveCapabilities({ capDrop: ['bogus'] }), { instanceOf: BoxifyError });
  t.is(drop.field, 'CapDrop');
  t.regex(drop.message, /"bogus"/);
  const notList = t.throws(() => resolveCapabilities({ capAdd: 'NET_ADMIN' as unknown as string[] }), { instanceOf: BoxifyError });
  t.is(notList.field, 'CapAdd');
  const notString = t.throws(() => resolveCapabilities({ capDrop: [3 as unknown as string] }), { instanceOf: BoxifyError });
  t.is(notString.field, 'CapDrop');
});

test('readCapabilitySet parses /proc/PID/status text', (t) => {
  const text = 'Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\nCapBnd:\t000001ffffffffff\n';
  t.is(readCapabilitySet('CapEff', text), 0xa80425fbn);
  t.is(readCapabilitySet('CapBnd', text), (1n << 41n) - 1n);
  t.throws(() => readCapabilitySet('CapAmb', text), { message: /CapAmb/ });
});
