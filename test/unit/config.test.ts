import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IDLE_COMMAND,
  findBoxifyYaml,
  loadBoxifyYaml,
  nearestKey,
  parseBoxifyYaml,
  toCreateRequest,
} from '../../src/core/config/boxify-yaml.js';
import { cpuSharesToWeight, cpuWeightToShares } from '../../src/core/config/cpu-weight.js';
import { BoxifyError } from '../../src/core/errors.js';

const SEED = 'imageName: busybox\nsettings:\n  memoryLimit: 100m\n  cpuLimit: 512\n';

function fails(t: import('ava').ExecutionContext, text: string): BoxifyError {
  const err = t.throws(() => parseBoxifyYaml(text, '/p/boxify.yaml'), { instanceOf: BoxifyError })!;
  t.is(err.code, 'invalid_argument');
  t.false(err.message.includes('    at '), 'no stack trace in the message');
  return err;
}

test("the seed's format is read exactly", (t) => {
  const cfg = parseBoxifyYaml(SEED, '/p/boxify.yaml');
  t.is(cfg.imageName, 'busybox');
  t.is(cfg.settings.memoryLimit, 100 * 1024 * 1024);
  t.is(cfg.settings.cpuLimit, 512);
  t.is(cfg.command, undefined);
  const req = toCreateRequest(cfg);
  t.is(req.Image, 'busybox');
  t.deepEqual(req.Cmd, IDLE_COMMAND);
  t.is(req.HostConfig?.Memory, 100 * 1024 * 1024);
  t.is(req.HostConfig?.CpuShares, cpuWeightToShares(512));
  t.is(cpuSharesToWeight(req.HostConfig!.CpuShares!), 512);
  t.is(req.Labels, undefined);
});

test('optional keys map onto the create request', (t) => {
  const cfg = parseBoxifyYaml(
    [
      'imageName: busybox',
      'name: web-1',
      'command: echo hello-from-yaml',
      'env: { A: 1, B: two, C: true, D: }',
      'workdir: /srv',
      'hostname: box',
      'network: none',
      'ports: ["8080:80", 53/udp, "127.0.0.1:9000:9000"]',
      'volumes: ["./data:/data:ro", "/tmp:/t"]',
      'settings: { memoryLimit: 1g, cpuLimit: 100, cpus: 0.5, pidsLimit: 64 }',
    ].join('\n'),
    '/p/boxify.yaml',
  );
  t.is(cfg.name, 'web-1');
  t.deepEqual(cfg.command, ['sh', '-c', 'echo hello-from-yaml']);
  const req = toCreateRequest(cfg);
  t.deepEqual(req.Cmd, ['sh', '-c', 'echo hello-from-yaml']);
  t.deepEqual(req.Env, ['A=1', 'B=two', 'C=true', 'D=']);
  t.is(req.WorkingDir, '/srv');
  t.is(req.Hostname, 'box');
  t.deepEqual(req.ExposedPorts, { '80/tcp': {}, '53/udp': {}, '9000/tcp': {} });
  t.deepEqual(req.HostConfig?.PortBindings, { '80/tcp': [{ HostPort: '8080' }], '9000/tcp': [{ HostPort: '9000', HostIp: '127.0.0.1' }] });
  t.deepEqual(req.HostConfig?.Binds, ['/p/data:/data:ro', '/tmp:/t']);
  t.is(req.HostConfig?.NetworkMode, 'none');
  t.is(req.HostConfig?.Memory, 1024 ** 3);
  t.is(req.HostConfig?.NanoCpus, 500_000_000);
  t.is(req.HostConfig?.PidsLimit, 64);
  t.is(req.HostConfig?.CpuShares, cpuWeightToShares(100));

  const list = parseBoxifyYaml('imageName: busybox\ncommand: [ls, -l, /]\nenv: ["X=1"]\n');
  t.deepEqual(list.command, ['ls', '-l', '/']);
  t.deepEqual(list.env, ['X=1']);
  t.deepEqual(parseBoxifyYaml('imageName: busybox\nsettings:\n').settings, {});
});

test('a YAML syntax error names the file, line and column', (t) => {
  const err = fails(t, 'imageName: busybox\nsettings:\n  memoryLimit: 100m\n cpuLimit: [512\n');
  t.regex(err.message, /^\/p\/boxify\.yaml:\d+:\d+: YAML syntax error: /);
  const tab = fails(t, 'imageName: busybox\nsettings: {memoryLimit: 100m\n');
  t.regex(tab.message, /^\/p\/boxify\.yaml:\d+:\d+: YAML syntax error/);
  const dup = fails(t, 'imageName: a\nimageName: b\n');
  t.regex(dup.message, /^\/p\/boxify\.yaml:2:1: YAML syntax error: .*unique/i);
});

test('an unknown key is named, with the nearest known key suggested', (t) => {
  const top = fails(t, 'imagename: busybox\n');
  t.is(top.message, '/p/boxify.yaml:1:1: unknown key "imagename": did you mean "imageName"?');
  t.is(top.field, 'imagename');
  const nested = fails(t, 'imageName: busybox\nsettings:\n  memoryLimt: 100m\n');
  t.is(nested.message, '/p/boxify.yaml:3:3: unknown key "settings.memoryLimt": did you mean "memoryLimit"?');
  const far = fails(t, 'imageName: busybox\nsettings:\n  zzzzzzzz: 1\n');
  t.regex(far.message, /unknown key "settings.zzzzzzzz": known keys under settings: memoryLimit, cpuLimit, cpus, pidsLimit/);
  t.is(nearestKey('cpulimit', ['memoryLimit', 'cpuLimit']), 'cpuLimit');
  t.is(nearestKey('qqqq', ['memoryLimit', 'cpuLimit']), undefined);
});

test('a wrong type names the key path and what was expected', (t) => {
  const mem = fails(t, 'imageName: busybox\nsettings:\n  memoryLimit: 100x\n');
  t.is(mem.field, 'settings.memoryLimit');
  t.is(
    mem.message,
    '/p/boxify.yaml:3:16: invalid settings.memoryLimit: "100x" is not a size: use a number with an optional unit b, k, m, g (e.g. 100m)',
  );
  const memList = fails(t, 'imageName: busybox\nsettings:\n  memoryLimit: [1]\n');
  t.regex(memList.message, /invalid settings.memoryLimit: expected a size like 100m or 1g, got a list/);
  const cpu = fails(t, 'imageName: busybox\nsettings:\n  cpuLimit: lots\n');
  t.regex(cpu.message, /:3:13: invalid settings.cpuLimit: expected an integer from 1 to 10000 \(a CPU weight/);
  const settings = fails(t, 'imageName: busybox\nsettings: 5\n');
  t.regex(settings.message, /invalid settings: expected a mapping of keys \(memoryLimit, cpuLimit, cpus, pidsLimit\), got number 5/);
  const image = fails(t, 'imageName: [a]\n');
  t.regex(image.message, /:1:12: invalid imageName: expected a non-empty string, got a list/);
  const cmd = fails(t, 'imageName: a\ncommand: {a: 1}\n');
  t.regex(cmd.message, /invalid command: expected a string \(run with sh -c\) or a list of arguments, got a mapping/);
  const env = fails(t, 'imageName: a\nenv: ["NOEQUALS"]\n');
  t.regex(env.message, /invalid env\[0\]: expected NAME=value, got "NOEQUALS"/);
  const envKey = fails(t, 'imageName: a\nenv: {"1BAD": x}\n');
  t.regex(envKey.message, /invalid env.1BAD/);
  t.regex(fails(t, 'imageName: a\nports: ["80:99999"]\n').message, /invalid ports\[0\]: port 99999 is out of range/);
  t.regex(fails(t, 'imageName: a\nports: ["x"]\n').message, /invalid ports\[0\]: "x" is not a port mapping/);
  t.regex(fails(t, 'imageName: a\nvolumes: ["data:/d"]\n').message, /invalid volumes\[0\]: host path "data" must be absolute/);
  t.regex(fails(t, 'imageName: a\nvolumes: ["/a"]\n').message, /invalid volumes\[0\]: "\/a" is not a volume/);
  t.regex(fails(t, 'imageName: a\nworkdir: srv\n').message, /invalid workdir: "srv" must be an absolute path/);
  t.regex(fails(t, 'imageName: a\nnetwork: host\n').message, /invalid network: "host" is not a network: use bridge or none/);
  t.regex(fails(t, 'imageName: a\nname: "-x"\n').message, /invalid name: "-x" is not a valid container name/);
  t.regex(fails(t, '- a\n- b\n').message, /invalid file: expected a mapping of keys/);
});

test('cpuLimit out of range says the v2 weight scale', (t) => {
  for (const v of [0, 10001, -3]) {
    const err = fails(t, `imageName: busybox\nsettings:\n  cpuLimit: ${v}\n`);
    t.is(err.field, 'settings.cpuLimit');
    t.regex(err.message, new RegExp(`invalid settings.cpuLimit: ${v} is out of range: expected an integer from 1 to 10000 \\(a CPU weight on the cgroup v2 cpu.weight scale`));
  }
  t.regex(fails(t, 'imageName: busybox\nsettings:\n  cpuLimit: 1.5\n').message, /expected an integer from 1 to 10000/);
  t.regex(fails(t, 'imageName: busybox\nsettings:\n  cpus: 0\n').message, /invalid settings.cpus: 0 is out of range/);
  t.regex(fails(t, 'imageName: busybox\nsettings:\n  pidsLimit: 0\n').message, /invalid settings.pidsLimit/);
  t.regex(fails(t, 'imageName: busybox\nsettings:\n  memoryLimit: 1m\n').message, /below the minimum of 6m/);
});

test('a missing imageName or an empty file says what to write', (t) => {
  t.is(fails(t, 'settings: {cpuLimit: 5}\n').message, '/p/boxify.yaml: missing imageName: name the image to run, e.g. "imageName: busybox"');
  t.regex(fails(t, '').message, /the file is empty: add at least "imageName: busybox"/);
  t.regex(fails(t, '# only a comment\n').message, /the file is empty/);
});

test('cpu weight and shares convert both ways without loss', (t) => {
  t.is(cpuWeightToShares(1), 2);
  t.is(cpuWeightToShares(10000), 262144);
  t.is(cpuSharesToWeight(1024), 40); // runc truncates to 39; rounding keeps the round trip exact
  for (let w = 1; w <= 10000; w++) {
    if (cpuSharesToWeight(cpuWeightToShares(w)) !== w) {
      t.fail(`weight ${w} does not survive the round trip`);
      return;
    }
  }
  t.pass();
});

test('loadBoxifyYaml finds boxify.yaml or boxify.yml, and refuses both', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boxify-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.is(findBoxifyYaml(dir), null);
  t.is(t.throws(() => loadBoxifyYaml(dir), { instanceOf: BoxifyError })?.code, 'not_found');
  writeFileSync(join(dir, 'boxify.yml'), SEED);
  t.is(loadBoxifyYaml(dir).file, join(dir, 'boxify.yml'));
  writeFileSync(join(dir, 'boxify.yaml'), SEED);
  t.throws(() => loadBoxifyYaml(dir), { message: /both boxify.yaml and boxify.yml exist/ });
  rmSync(join(dir, 'boxify.yml'));
  const cfg = loadBoxifyYaml(dir);
  t.is(cfg.file, join(dir, 'boxify.yaml'));
  t.is(cfg.imageName, 'busybox');
});
