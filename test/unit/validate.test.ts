// Create-request validation: Docker's defaults and merges, and a 400 naming the field for
// every kind of bad input.
import test from 'ava';
import { cpuSharesToWeight as sharesToWeight } from '../../src/core/config/cpu-weight.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BoxifyError } from '../../src/core/errors.js';
import {
  DEFAULT_PATH,
  MIN_MEMORY,
  mergeEnv,
  parseSignal,
  resolveUser,
  validateCreate,
  validateEnv,
  validateName,
} from '../../src/core/containers/validate.js';
import type { ContainerCreateRequest } from '../../src/core/api/types.js';
import type { ImageConfig } from '../../src/core/images/types.js';

const image: ImageConfig = { Cmd: ['sh'], Env: ['IMG=1', 'PATH=/image/bin'], WorkingDir: '/srv', Labels: { from: 'image' } };
const v = (body: Record<string, unknown>, img: ImageConfig = image) => validateCreate({ Image: 'busybox', ...body } as ContainerCreateRequest, img);

function invalid(t: import('ava').ExecutionContext, f: () => unknown, field: string, text?: RegExp) {
  const err = t.throws(f, { instanceOf: BoxifyError });
  t.is(err?.code, 'invalid_argument');
  t.is(err?.status, 400);
  t.is(err?.field, field);
  t.true(err!.message.startsWith(`invalid ${field}: `), err!.message);
  if (text) t.regex(err!.message, text);
}

test('defaults come from the image: Cmd, Env, WorkingDir, Labels, StopSignal', (t) => {
  const r = v({});
  t.is(r.path, 'sh');
  t.deepEqual(r.args, []);
  t.deepEqual(r.config.Cmd, ['sh']);
  t.deepEqual(r.config.Entrypoint, []);
  // The image's PATH replaces the default one in place; later lists win by key.
  t.deepEqual(r.config.Env, ['PATH=/image/bin', 'IMG=1']);
  t.is(r.config.WorkingDir, '/srv');
  t.deepEqual(r.config.Labels, { from: 'image' });
  t.is(r.config.StopSignal, 'SIGTERM');
  t.is(r.config.StopTimeout, 10);
  t.is(r.networkMode, 'bridge');
  t.deepEqual(r.limits, {});
  t.is(r.config.Hostname, '');
  t.false(r.config.Tty);
});

test('Cmd and Entrypoint combine as Docker does', (t) => {
  t.deepEqual([v({ Cmd: ['echo', 'hi'] }).path, v({ Cmd: ['echo', 'hi'] }).args], ['echo', ['hi']]);
  // An Entrypoint given on create drops the image's Cmd.
  const e = v({ Entrypoint: ['/bin/env'] });
  t.is(e.path, '/bin/env');
  t.deepEqual(e.args, []);
  const both = v({ Entrypoint: ['/bin/env'], Cmd: ['A=1'] });
  t.deepEqual([both.path, ...both.args], ['/bin/env', 'A=1']);
  // A string is a one-element list.
  t.deepEqual(v({ Cmd: 'true' }).config.Cmd, ['true']);
  // The image's entrypoint stays when only Cmd is given.
  const img = v({ Cmd: ['x'] }, { Entrypoint: ['/ep'], Cmd: ['default'] });
  t.deepEqual([img.path, ...img.args], ['/ep', 'x']);
  invalid(t, () => v({}, {}), 'Cmd', /no command specified/);
  invalid(t, () => v({ Cmd: [] }, {}), 'Cmd');
  invalid(t, () => v({ Cmd: 7 }), 'Cmd', /list of strings/);
  invalid(t, () => v({ Cmd: ['a', 1] }), 'Cmd');
  invalid(t, () => v({ Entrypoint: {} }), 'Entrypoint');
});

test('Env: merged by key, bad entries refused', (t) => {
  t.deepEqual(v({ Env: ['A=1', 'IMG=2'] }).config.Env, ['PATH=/image/bin', 'IMG=2', 'A=1']);
  t.deepEqual(v({ Env: ['EMPTY='] }).config.Env.at(-1), 'EMPTY=');
  t.deepEqual(v({}, { Cmd: ['sh'] }).config.Env, [DEFAULT_PATH]);
  invalid(t, () => v({ Env: ['=x'] }), 'Env', /"=x" is not KEY=VALUE/);
  invalid(t, () => v({ Env: [''] }), 'Env');
  invalid(t, () => v({ Env: ['A=\0'] }), 'Env');
  invalid(t, () => v({ Env: [1] }), 'Env');
  invalid(t, () => v({ Env: { A: '1' } }), 'Env');
  t.deepEqual(validateEnv(['A=1', 'B']), ['A=1', 'B']);
  invalid(t, () => validateEnv(['=1'], 'Exec.Env'), 'Exec.Env');
  t.deepEqual(mergeEnv(['A=1', 'B=2'], ['A=3'], ['C=4', 'B=5']), ['A=3', 'B=5', 'C=4']);
  t.deepEqual(mergeEnv(), []);
});

test('memory limit: bytes, at least 6 MB, a number', (t) => {
  t.is(v({ HostConfig: { Memory: 50 * 1024 * 1024 } }).limits.memoryBytes, 50 * 1024 * 1024);
  t.is(v({ HostConfig: { Memory: MIN_MEMORY } }).limits.memoryBytes, MIN_MEMORY);
  t.is(v({ HostConfig: { Memory: 0 } }).limits.memoryBytes, undefined, '0 means unlimited');
  t.is(v({ HostConfig: { Memory: (7 * 1024 * 1024) + 0.5 } }).limits.memoryBytes, 7 * 1024 * 1024);
  invalid(t, () => v({ HostConfig: { Memory: 'abc' } }), 'HostConfig.Memory', /must be a number, got "abc"/);
  invalid(t, () => v({ HostConfig: { Memory: MIN_MEMORY - 1 } }), 'HostConfig.Memory', /6MB/);
  invalid(t, () => v({ HostConfig: { Memory: Infinity } }), 'HostConfig.Memory');
});

test('CPU: NanoCpus as a 100 ms period quota, CpuQuota/CpuPeriod, shares as weight', (t) => {
  t.deepEqual(v({ HostConfig: { NanoCpus: 0.5e9 } }).limits, { cpuPeriodUs: 100_000, cpuQuotaUs: 50_000 });
  t.deepEqual(v({ HostConfig: { NanoCpus: 1.5e9 } }).limits, { cpuPeriodUs: 100_000, cpuQuotaUs: 150_000 });
  t.deepEqual(v({ HostConfig: { NanoCpus: 0.01e9 } }).limits, { cpuPeriodUs: 100_000, cpuQuotaUs: 1000 });
  t.deepEqual(v({ HostConfig: { CpuQuota: 20_000 } }).limits, { cpuQuotaUs: 20_000, cpuPeriodUs: 100_000 });
  t.deepEqual(v({ HostConfig: { CpuQuota: 20_000, CpuPeriod: 50_000 } }).limits, { cpuQuotaUs: 20_000, cpuPeriodUs: 50_000 });
  t.deepEqual(v({ HostConfig: { CpuQuota: -1 } }).limits, {}, '-1 is unlimited');
  invalid(t, () => v({ HostConfig: { NanoCpus: 0.001e9 } }), 'HostConfig.NanoCpus', /0\.01/);
  invalid(t, () => v({ HostConfig: { NanoCpus: 1e9, CpuQuota: 50_000 } }), 'HostConfig.NanoCpus', /conflicting/);
  invalid(t, () => v({ HostConfig: { NanoCpus: 'lots' } }), 'HostConfig.NanoCpus');
  invalid(t, () => v({ HostConfig: { CpuQuota: 999 } }), 'HostConfig.CpuQuota');
  t.is(v({ HostConfig: { CpuShares: 1024 } }).limits.cpuWeight, sharesToWeight(1024));
  invalid(t, () => v({ HostConfig: { CpuShares: 1 } }), 'HostConfig.CpuShares');
  invalid(t, () => v({ HostConfig: { CpuShares: 262145 } }), 'HostConfig.CpuShares');
});

test('CpuShares map onto the v2 weight scale 1..10000, rounded so a weight survives the round trip', (t) => {
  t.is(sharesToWeight(2), 1);
  t.is(sharesToWeight(262144), 10000);
  // runc truncates (39); Boxify rounds, so boxify.yaml's cpuLimit comes back exactly.
  t.is(sharesToWeight(1024), 40);
  let prev = 0;
  for (const s of [2, 100, 512, 1024, 4096, 100_000, 262144]) {
    const w = sharesToWeight(s);
    t.true(w >= prev);
    prev = w;
  }
});

test('pids limit: positive values only, floored', (t) => {
  t.is(v({ HostConfig: { PidsLimit: 20 } }).limits.pidsMax, 20);
  t.is(v({ HostConfig: { PidsLimit: 20.9 } }).limits.pidsMax, 20);
  t.is(v({ HostConfig: { PidsLimit: 0 } }).limits.pidsMax, undefined);
  t.is(v({ HostConfig: { PidsLimit: -1 } }).limits.pidsMax, undefined, '-1 is unlimited, as in Docker');
  invalid(t, () => v({ HostConfig: { PidsLimit: 'x' } }), 'HostConfig.PidsLimit');
});

test('network mode: bridge by default, none, nothing else', (t) => {
  for (const m of [undefined, '', 'default', 'bridge']) t.is(v({ HostConfig: { NetworkMode: m } }).networkMode, 'bridge');
  t.is(v({ HostConfig: { NetworkMode: 'none' } }).networkMode, 'none');
  invalid(t, () => v({ HostConfig: { NetworkMode: 'host' } }), 'HostConfig.NetworkMode', /"host" is not supported/);
  invalid(t, () => v({ HostConfig: { NetworkMode: 'container:x' } }), 'HostConfig.NetworkMode');
});

test('hostname, working dir, user, labels, booleans, stop signal and timeout', (t) => {
  t.is(v({ Hostname: 'web-1' }).config.Hostname, 'web-1');
  t.is(v({ Hostname: 'a.b.example' }).config.Hostname, 'a.b.example');
  invalid(t, () => v({ Hostname: '-bad' }), 'Hostname');
  invalid(t, () => v({ Hostname: 'a_b' }), 'Hostname');
  invalid(t, () => v({ Hostname: 'x'.repeat(64) }), 'Hostname');
  invalid(t, () => v({ Hostname: 5 }), 'Hostname');
  t.is(v({ WorkingDir: '/tmp' }).config.WorkingDir, '/tmp');
  t.is(v({}, { Cmd: ['sh'] }).config.WorkingDir, '/');
  invalid(t, () => v({ WorkingDir: 'tmp' }), 'WorkingDir', /absolute/);
  t.is(v({ User: '1000:1000' }).config.User, '1000:1000');
  t.deepEqual(v({ Labels: { a: 'b' } }).config.Labels, { from: 'image', a: 'b' });
  t.deepEqual(v({ Labels: { from: 'create' } }).config.Labels, { from: 'create' });
  invalid(t, () => v({ Labels: ['a'] }), 'Labels');
  invalid(t, () => v({ Labels: { a: 1 } }), 'Labels.a');
  t.true(v({ Tty: true, OpenStdin: true }).config.Tty);
  invalid(t, () => v({ Tty: 'yes' }), 'Tty');
  invalid(t, () => v({ HostConfig: { AutoRemove: 'yes' } }), 'HostConfig.AutoRemove');
  t.is(v({ StopSignal: 'SIGUSR1' }).config.StopSignal, 'SIGUSR1');
  t.is(v({}, { Cmd: ['sh'], StopSignal: 'SIGQUIT' }).config.StopSignal, 'SIGQUIT');
  invalid(t, () => v({ StopSignal: 'SIGNOPE' }), 'StopSignal');
  t.is(v({ StopTimeout: 3 }).config.StopTimeout, 3);
  invalid(t, () => v({ StopTimeout: '3' }), 'StopTimeout');
});

test('the body and HostConfig must be objects', (t) => {
  invalid(t, () => validateCreate(null as unknown as ContainerCreateRequest, image), 'body');
  invalid(t, () => validateCreate([] as unknown as ContainerCreateRequest, image), 'body');
  invalid(t, () => v({ HostConfig: [] }), 'HostConfig');
});

test('validateName: Docker\'s container names', (t) => {
  t.is(validateName('web'), 'web');
  t.is(validateName('/web'), 'web');
  t.is(validateName('a.b_c-1'), 'a.b_c-1');
  for (const bad of ['a b', 'a', '', '-x', '.x', 'x/y', 'é1', 'a:b']) invalid(t, () => validateName(bad), 'name');
});

test('parseSignal: names with or without SIG, any case, numbers, real-time signals', (t) => {
  t.is(parseSignal('SIGTERM'), 15);
  t.is(parseSignal('term'), 15);
  t.is(parseSignal('KILL'), 9);
  t.is(parseSignal('9'), 9);
  t.is(parseSignal(' sigusr1 '), 10);
  t.is(parseSignal('SIGRTMIN'), 34);
  t.is(parseSignal('RTMIN+3'), 37);
  t.is(parseSignal('64'), 64);
  t.is(parseSignal('SIGRTMAX-2'), 62);
  t.is(parseSignal('cld'), 17);
  // Only Docker's names: no RTMIN beyond +15, no glibc-internal 32/33, nothing unknown.
  for (const bad of ['', '0', '65', '32', '33', 'SIGNOPE', '-9', '1.5', 'SIG', 'RTMIN+16', 'RTMIN+99', 'RTMAX+1', 'SIGEMT']) invalid(t, () => parseSignal(bad), 'signal');
  invalid(t, () => parseSignal('x', 'StopSignal'), 'StopSignal', /"x" is not a signal/);
});

test('resolveUser: numbers, names, groups, looked up top layer first', (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-user-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const lower = path.join(base, 'lower');
  const upper = path.join(base, 'upper');
  fs.mkdirSync(path.join(lower, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(upper, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(lower, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nold:x:500:500::/:/bin/sh\n');
  fs.writeFileSync(path.join(upper, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n');
  fs.writeFileSync(path.join(lower, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
  const layers = [lower, upper];
  t.deepEqual(resolveUser('', layers), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  t.deepEqual(resolveUser('app', layers), { uid: 1000, gid: 1001, additionalGids: [], home: '/app' });
  t.deepEqual(resolveUser('1000', layers), { uid: 1000, gid: 1001, additionalGids: [], home: '/app' });
  // No passwd entry: HOME is /, as runc sets it.
  t.deepEqual(resolveUser('4242', layers), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  t.deepEqual(resolveUser('app:staff', layers), { uid: 1000, gid: 50, additionalGids: [], home: '/app' });
  t.deepEqual(resolveUser('7:8', layers), { uid: 7, gid: 8, additionalGids: [], home: '/' });
  t.deepEqual(resolveUser('', []), { uid: 0, gid: 0, additionalGids: [], home: '/' }, 'no passwd at all');
  // The top layer's passwd hides the lower one's.
  invalid(t, () => resolveUser('old', layers), 'User', /unable to find user old/);
  invalid(t, () => resolveUser('app:nogroup', layers), 'User', /unable to find group nogroup/);
});
