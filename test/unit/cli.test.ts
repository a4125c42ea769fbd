import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ContainerCreateRequest, ContainerSummary } from '../../src/core/api/types.js';
import { BoxifyError, errors } from '../../src/core/errors.js';
import type { BoxifyClient, LogRecord } from '../../src/tui/client.js';
import { parseArgs, UsageError, type FlagSpec } from '../../src/tui/cli/args.js';
import type { CliContext } from '../../src/tui/cli/context.js';
import { ellipsis, humanDuration, psTable, statsTable, table } from '../../src/tui/cli/format.js';
import { parseGlobals } from '../../src/tui/cli/globals.js';
import { reportError, runCli } from '../../src/tui/cli/index.js';
import { applyRunFlags, RUN_FLAGS } from '../../src/tui/cli/run.js';
import { buildShellCommand, checkShellPrerequisites, shellQuote } from '../../src/tui/shell.js';

const RUN = { flags: RUN_FLAGS, interspersed: false };

test('grouped short flags, attached and separate values, stop at the first positional', (t) => {
  const p = parseArgs(['-it', '--rm', '-m100m', '--name=web', '-e', 'A=1', '-eB=2', 'busybox', 'ls', '-l', '--rm'], RUN);
  t.deepEqual(p.flags, { interactive: true, tty: true, rm: true, memory: '100m', name: 'web', env: ['A=1', 'B=2'] });
  t.deepEqual(p.args, ['busybox', 'ls', '-l', '--rm']);
  t.false(p.help);

  t.deepEqual(parseArgs(['-dit', 'x'], RUN).flags, { detach: true, interactive: true, tty: true });
  t.deepEqual(parseArgs(['-dm', '1g', 'x'], RUN).flags, { detach: true, memory: '1g' });
  t.deepEqual(parseArgs(['-m=5m', 'x'], RUN).flags, { memory: '5m' });
  t.deepEqual(parseArgs(['--rm=false', 'x'], RUN).flags, { rm: false });
  t.deepEqual(parseArgs(['--', '-d', 'x'], RUN).args, ['-d', 'x']);
  t.deepEqual(parseArgs(['-h', 'myhost', 'x'], RUN).flags, { hostname: 'myhost' }, '-h is run\'s hostname');
  t.true(parseArgs(['--help'], RUN).help);
  t.deepEqual(parseArgs(['-'], RUN).args, ['-']);
});

test('interspersed commands take flags after positionals', (t) => {
  const spec = { flags: [{ long: 'force', short: 'f', help: '' }] as FlagSpec[] };
  const p = parseArgs(['a', '-f', 'b'], spec);
  t.deepEqual(p.args, ['a', 'b']);
  t.true(p.flags.force);
  t.true(parseArgs(['-h'], spec).help, '-h is help where it means nothing else');
});

test('parse errors are UsageErrors naming the flag', (t) => {
  t.throws(() => parseArgs(['--bogus', 'x'], RUN), { instanceOf: UsageError, message: 'unknown flag: --bogus' });
  t.throws(() => parseArgs(['-iz', 'x'], RUN), { instanceOf: UsageError, message: "unknown shorthand flag: 'z' in -iz" });
  t.throws(() => parseArgs(['--name'], RUN), { instanceOf: UsageError, message: 'flag needs an argument: --name' });
  t.throws(() => parseArgs(['-m'], RUN), { instanceOf: UsageError, message: "flag needs an argument: 'm' in -m" });
  t.throws(() => parseArgs(['--rm=maybe', 'x'], RUN), { instanceOf: UsageError });
});

test('run flags become the create request, with sizes and numbers checked', (t) => {
  const p = parseArgs(
    ['-m', '512m', '--cpus', '1.5', '--cpu-shares', '512', '--pids-limit', '20', '-e', 'A=1', '-w', '/srv', '-h', 'hn', '--network', 'none', '-l', 'k=v', '-l', 'flag', '--entrypoint', '/bin/sh', '-u', '1000', 'busybox'],
    RUN,
  );
  const body = applyRunFlags({ Image: 'busybox', Env: ['Z=0'] }, p);
  t.deepEqual(body, {
    Image: 'busybox',
    Env: ['Z=0', 'A=1'],
    WorkingDir: '/srv',
    Hostname: 'hn',
    User: '1000',
    Labels: { k: 'v', flag: '' },
    Entrypoint: ['/bin/sh'],
    HostConfig: { Memory: 512 * 1024 * 1024, NanoCpus: 1_500_000_000, CpuShares: 512, PidsLimit: 20, NetworkMode: 'none' },
  } satisfies ContainerCreateRequest);
  const bad = t.throws(() => applyRunFlags({}, parseArgs(['-m', '100x', 'i'], RUN)), { instanceOf: BoxifyError });
  t.is(bad?.message, 'invalid --memory: "100x" is not a size: use a number with an optional unit b, k, m, g (e.g. 100m)');
  t.throws(() => applyRunFlags({}, parseArgs(['--cpus', 'two', 'i'], RUN)), { message: 'invalid argument "two" for --cpus: expected a number of at least 0.01' });
  t.throws(() => applyRunFlags({}, parseArgs(['-c', '1', 'i'], RUN)), { message: 'invalid argument "1" for -c, --cpu-shares: expected an integer of at least 2' });
  t.throws(() => applyRunFlags({}, parseArgs(['--network', 'host', 'i'], RUN)), { instanceOf: UsageError });
  process.env.BOXIFY_TEST_PASSTHRU = 'yes';
  t.deepEqual(applyRunFlags({}, parseArgs(['-e', 'BOXIFY_TEST_PASSTHRU', '-e', 'BOXIFY_TEST_UNSET_X', 'i'], RUN)).Env, ['BOXIFY_TEST_PASSTHRU=yes']);
});

test('global options come before the command', (t) => {
  t.deepEqual(parseGlobals(['-H', 'unix:///tmp/a.sock', 'ps', '-a']), { socketPath: '/tmp/a.sock', rest: ['ps', '-a'], version: false });
  t.deepEqual(parseGlobals(['--host=/tmp/b.sock', 'ps']), { socketPath: '/tmp/b.sock', rest: ['ps'], version: false });
  t.deepEqual(parseGlobals([]), { rest: [], version: false });
  t.true(parseGlobals(['-v']).version);
  t.deepEqual(parseGlobals(['--help']).rest, ['help']);
  t.throws(() => parseGlobals(['-H', 'tcp://1.2.3.4:2375']), { instanceOf: UsageError, message: /Unix socket/ });
  t.throws(() => parseGlobals(['--what']), { instanceOf: UsageError });
});

test('tables align like docker: widest cell plus three spaces', (t) => {
  t.is(table(['A', 'BB'], [['xxxx', 'y'], ['z', '']]), 'A      BB\nxxxx   y\nz\n');
  t.is(ellipsis('abcdefghijklmnopqrstuvwxyz', 20), 'abcdefghijklmnopqrs…');
  t.is(ellipsis('short', 20), 'short');
  t.is(humanDuration(500), 'Less than a second');
  t.is(humanDuration(1000), '1 second');
  t.is(humanDuration(45_000), '45 seconds');
  t.is(humanDuration(90_000), 'About a minute');
  t.is(humanDuration(5 * 60_000), '5 minutes');
  t.is(humanDuration(3600_000), 'About an hour');
  t.is(humanDuration(5 * 3600_000), '5 hours');
  t.is(humanDuration(3 * 86400_000), '3 days');
  t.is(humanDuration(20 * 86400_000), '2 weeks');
  t.is(humanDuration(100 * 86400_000), '3 months');
  t.is(humanDuration(800 * 86400_000), '2 years');
});

const summary = (over: Partial<ContainerSummary>): ContainerSummary => ({
  Id: 'f'.repeat(64),
  Names: ['/web'],
  Image: 'busybox',
  ImageID: 'sha256:x',
  Command: 'sh -c "while :; do sleep 1; done"',
  Created: 1_700_000_000,
  Ports: [],
  Labels: {},
  State: 'running',
  Status: 'Up 5 minutes',
  HostConfig: { NetworkMode: 'bridge' },
  NetworkSettings: { Networks: {} },
  Mounts: [],
  ...over,
});

test('ps and stats tables', (t) => {
  const out = psTable([summary({}), summary({ Id: 'a'.repeat(64), Names: ['/db'], Command: 'true', Status: 'Exited (0) 2 seconds ago', Ports: [{ PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] })], 1_700_000_300_000);
  t.is(
    out,
    [
      'CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS                     PORTS                  NAMES',
      'ffffffffffff   busybox   "sh -c \\"while :; do …"   5 minutes ago   Up 5 minutes                                      web',
      'aaaaaaaaaaaa   busybox   "true"                   5 minutes ago   Exited (0) 2 seconds ago   0.0.0.0:8080->80/tcp   db',
      '',
    ].join('\n').replace('\\"', '"'),
  );
  const stats = statsTable([{ id: 'b'.repeat(64), name: '/web', cpuPercent: 12.345, memoryUsage: 2048000, memoryLimit: 100 * 1024 * 1024, pids: 3, netRx: 1500, netTx: 648 }]);
  t.is(
    stats,
    'CONTAINER ID   NAME   CPU %    MEM USAGE / LIMIT   MEM %   NET I/O        PIDS\n' +
      'bbbbbbbbbbbb   web    12.35%   1.953MiB / 100MiB   1.95%   1.5kB / 648B   3\n',
  );
});

// ---- runCli against a fake client ----

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

function fakeCtx(client: Partial<BoxifyClient>, cwd = '/'): CliContext & { out: Sink; err: Sink } {
  const out = new Sink();
  const err = new Sink();
  return { client: client as BoxifyClient, stdout: out, stderr: err, out, err, cwd, stdinIsTTY: false, stdoutIsTTY: false };
}

async function* records(...r: [LogRecord['stream'], string][]): AsyncIterable<LogRecord> {
  for (const [stream, s] of r) yield { stream, data: Buffer.from(s) };
}

test('run: create, start, follow output, exit with the code, remove with --rm', async (t) => {
  const calls: string[] = [];
  const ctx = fakeCtx({
    createContainer: async (body, name) => {
      calls.push(`create ${name} ${JSON.stringify(body.Cmd)} ${body.HostConfig?.AutoRemove ?? false}`);
      return { Id: 'c1', Warnings: ['careful'] };
    },
    startContainer: async (id) => void calls.push(`start ${id}`),
    logs: (id) => (calls.push(`logs ${id}`), records(['stdout', 'hello\n'], ['stderr', 'warn\n'])),
    waitContainer: async (id, cond) => (calls.push(`wait ${id} ${cond}`), { StatusCode: 3, Error: null }),
    removeContainer: async (id, o) => void calls.push(`rm ${id} ${o?.force}`),
  });
  const code = await runCli(['run', '--rm', '--name', 'n1', 'busybox', 'sh', '-c', 'exit 3'], ctx);
  t.is(code, 3);
  t.deepEqual(calls, ['create n1 ["sh","-c","exit 3"] false', 'start c1', 'logs c1', 'wait c1 not-running', 'rm c1 true']);
  t.is(ctx.out.text, 'hello\n');
  t.is(ctx.err.text, 'WARNING: careful\nwarn\n');
});

test('run -d prints the ID; a start error maps to docker exit codes and --rm cleans up', async (t) => {
  const removed: string[] = [];
  const base = {
    createContainer: async (b: ContainerCreateRequest) => ({ Id: b.HostConfig?.AutoRemove ? 'auto' : 'c2', Warnings: [] }),
    removeContainer: async (id: string) => void removed.push(id),
  };
  const ok = fakeCtx({ ...base, startContainer: async () => {} });
  t.is(await runCli(['run', '-d', '--rm', 'busybox'], ok), 0);
  t.is(ok.out.text, 'auto\n');

  const missing = fakeCtx({ ...base, startContainer: async () => { throw new BoxifyError('invalid_argument', 'exec: "nope": executable file not found in $PATH'); } });
  t.is(await runCli(['run', '--rm', 'busybox', 'nope'], missing), 127);
  t.is(missing.err.text, 'boxify: exec: "nope": executable file not found in $PATH\n');
  t.deepEqual(removed, ['c2']);
  const denied = fakeCtx({ ...base, startContainer: async () => { throw new BoxifyError('invalid_argument', 'exec /etc: permission denied'); } });
  t.is(await runCli(['run', 'busybox', '/etc'], denied), 126);
});

test('run without an image reads boxify.yaml; bad yaml and no yaml are explained', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boxify-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const calls: string[] = [];
  const client: Partial<BoxifyClient> = {
    createContainer: async (body, name) => {
      calls.push(`create ${name} ${body.Image} ${JSON.stringify(body.Cmd)} ${body.HostConfig?.Memory} ${body.HostConfig?.CpuShares}`);
      return { Id: 'y1', Warnings: [] };
    },
    startContainer: async () => void calls.push('start'),
    logs: () => records(['stdout', 'hello-from-yaml\n']),
    waitContainer: async () => ({ StatusCode: 0, Error: null }),
    removeContainer: async (id) => void calls.push(`rm ${id}`),
  };
  const none = fakeCtx(client, dir);
  t.is(await runCli(['run'], none), 1);
  t.regex(none.err.text, /needs an IMAGE, or a boxify.yaml in the current directory/);

  writeFileSync(join(dir, 'boxify.yaml'), 'imageName: busybox\nsettings:\n  memoryLimit: 100m\n  cpuLimit: 512\ncommand: echo hello-from-yaml\n');
  const ok = fakeCtx(client, dir);
  t.is(await runCli(['run', '--name', 'y'], ok), 0);
  t.is(ok.out.text, 'hello-from-yaml\n');
  t.deepEqual(calls, ['create y busybox ["sh","-c","echo hello-from-yaml"] 104857600 13399', 'start', 'rm y1']);

  writeFileSync(join(dir, 'boxify.yaml'), 'imageName: busybox\nsettings:\n  memoryLimit: 100x\n');
  const bad = fakeCtx(client, dir);
  t.is(await runCli(['run'], bad), 125);
  t.is(bad.err.text, `boxify: ${join(dir, 'boxify.yaml')}:3:16: invalid settings.memoryLimit: "100x" is not a size: use a number with an optional unit b, k, m, g (e.g. 100m)\n`);
});

test('multi-container commands go on past a failure and exit 125', async (t) => {
  const ctx = fakeCtx({
    removeContainer: async (ref) => {
      if (ref === 'bad') throw errors.noSuchContainer('bad');
    },
  });
  t.is(await runCli(['rm', '-f', 'a', 'bad', 'b'], ctx), 125);
  t.is(ctx.out.text, 'a\nb\n');
  t.is(ctx.err.text, 'boxify: No such container: bad\n');
  const usage = fakeCtx({});
  t.is(await runCli(['rm'], usage), 1);
  t.is(usage.err.text, "boxify: requires at least 1 container name or ID\nSee 'boxify rm --help'.\n");
});

test('ps --json and -q', async (t) => {
  const ctx = fakeCtx({ listContainers: async (o) => [summary({ Labels: { all: String(o?.all) } })] });
  t.is(await runCli(['ps', '-a', '--json'], ctx), 0);
  t.is((JSON.parse(ctx.out.text) as ContainerSummary[])[0]!.Labels.all, 'true');
  const q = fakeCtx({ listContainers: async () => [summary({})] });
  await runCli(['ps', '-q'], q);
  t.is(q.out.text, 'ffffffffffff\n');
});

test('errors: user mistakes and an absent daemon exit 125 plainly, bugs say they are bugs', (t) => {
  const err = new Sink();
  t.is(reportError(new BoxifyError('unavailable', 'cannot connect'), { stderr: err }), 125);
  t.is(reportError(errors.nameInUse('x', 'abc'), { stderr: err }), 125);
  t.is(reportError(new UsageError('bad flag', 'ps'), { stderr: err }), 1);
  t.is(err.text, "boxify: cannot connect\nboxify: " + errors.nameInUse('x', 'abc').message + "\nboxify: bad flag\nSee 'boxify ps --help'.\n");
  const bug = new Sink();
  t.is(reportError(new TypeError('x is undefined'), { stderr: bug }), 125);
  t.regex(bug.text, /^boxify: x is undefined\nThis is a bug in Boxify/);
  t.false(bug.text.includes('    at '));
});

test('buildShellCommand runs boxify-init exec with the daemon\'s node and exactly the target\'s environment', (t) => {
  t.is(shellQuote("it's"), `'it'\\''s'`);
  const program = { node: '/var/lib/boxify/run/node', init: '/opt/boxify/init/main.js' };
  const info = { pid: 42, cgroupJoin: ['/sys/fs/cgroup/memory/a b/tasks'], env: ['PATH=/bin', "Q=it's"], cwd: '/', user: '', program };
  const { file, args, env } = buildShellCommand(info, ['sh', '-c', 'echo $Q']);
  t.is(file, program.node);
  t.deepEqual(args.slice(-2), [program.init, 'exec']);
  const spec = JSON.parse(env.BOXIFY_EXEC_SPEC!);
  t.deepEqual(spec.process.args, ['sh', '-c', 'echo $Q']);
  t.deepEqual(spec.process.env, ['PATH=/bin', "Q=it's"]);
  t.deepEqual(spec.cgroupJoin, info.cgroupJoin);
  const withOpts = buildShellCommand(info, ['id'], { env: ['X=1'], workdir: '/tmp', term: 'xterm' });
  const spec2 = JSON.parse(withOpts.env.BOXIFY_EXEC_SPEC!);
  t.deepEqual(spec2.process.env, ['PATH=/bin', "Q=it's", 'X=1', 'TERM=xterm']);
  t.is(spec2.process.cwd, '/tmp');
  t.throws(() => buildShellCommand(info, []), { instanceOf: BoxifyError });
});

test('the shell command really joins the cgroup file and runs with only the given env (entered into our own namespaces)', (t) => {
  if (process.getuid?.() !== 0) return t.fail('needs root (setns); the suite runs as root');
  const dir = mkdtempSync(join(tmpdir(), 'boxify-shell-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const procs = join(dir, "cgroup procs's");
  writeFileSync(procs, '');
  const program = { node: process.execPath, init: fileURLToPath(new URL('../../src/init/main.js', import.meta.url)) };
  const info = { pid: process.pid, cgroupJoin: [procs], env: ['PATH=/usr/bin:/bin', 'GREETING=hi there'], cwd: '/', user: '', program };
  const { file, args, env } = buildShellCommand(info, ['sh', '-c', 'echo "$GREETING|$HOME|$1"; exit 7', 'x', "arg'1"], { workdir: dir });
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...env, HOME: '/root' } });
  t.is(r.status, 7, r.stderr);
  t.is(r.stdout, "hi there||arg'1\n");
  // boxify-init writes "0" (the writing task itself) into each join file.
  t.is(readFileSync(procs, 'utf8').trim(), '0', 'the process joined the cgroup file');
});

test('a shell on a terminal of its own explains a missing root', (t) => {
  t.throws(() => checkShellPrerequisites(1000), { message: /needs root: run this command with sudo/ });
  t.notThrows(() => checkShellPrerequisites(0));
});
