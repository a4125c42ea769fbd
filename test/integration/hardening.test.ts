// Container hardening through a real boxifyd: exec gets the container's confinement (cgroup,
// namespaces, capabilities, no_new_privs, seccomp), TTY containers and TTY execs get a
// controlling terminal, rlimits, --read-only with --tmpfs, --user, bad options are 400s, and
// env values never reach the daemon's log.
import test from 'ava';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { daemonForFile } from '../helpers/daemon.js';
import { runToExit, startContainer } from '../helpers/wait.js';
import type { ContainerCreateRequest, HostConfig } from '../../src/core/api/types.js';
import { BoxifyError } from '../../src/core/errors.js';
import { CAPABILITIES, lastCapability, readCapabilitySet } from '../../src/core/security/capabilities.js';

/** The default capability set as /proc shows it: Docker's 14 without NET_RAW; on cgroup v2 without MKNOD too. */
const DEFAULT_EFF = fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '00000000a00405fb' : '00000000a80405fb';

const run = promisify(execFile);

const d = daemonForFile(test);

function busybox(script: string, hc: HostConfig = {}, extra: Partial<ContainerCreateRequest> = {}): ContainerCreateRequest {
  return { Image: 'busybox', Cmd: ['sh', '-c', script], HostConfig: hc, ...extra };
}

async function runOnce(script: string, hc: HostConfig = {}, extra: Partial<ContainerCreateRequest> = {}) {
  const r = await runToExit(d.client, busybox(script, hc, extra));
  await d.client.removeContainer(r.id, { force: true }).catch(() => undefined);
  return r;
}

async function sleeper(t: import('ava').ExecutionContext, hc: HostConfig = {}, extra: Partial<ContainerCreateRequest> = {}): Promise<string> {
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: hc, ...extra });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  return id;
}

async function exec(id: string, cmd: string[], extra: Record<string, unknown> = {}) {
  const { Id } = await d.client.execCreate(id, { Cmd: cmd, AttachStdout: true, AttachStderr: true, ...extra });
  const out = await d.client.execStartCollect(Id);
  const info = await d.client.execInspect(Id);
  return { stdout: out.stdout.toString(), stderr: out.stderr.toString(), exitCode: info.ExitCode };
}

const STATUS = 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status';

test('exec runs with the container\'s confinement: cgroup, namespaces, capabilities, no_new_privs, seccomp', async (t) => {
  const id = await sleeper(t, {}, { Hostname: 'hard-1' });
  const r = await exec(id, ['sh', '-c', `${STATUS}; grep memory /proc/self/cgroup; cat /etc/hostname; mount -t tmpfs none /tmp 2>&1; echo mount=$?; ls /proc | grep -c "^[0-9]"`]);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`CapEff:\\s+${DEFAULT_EFF}`));
  t.regex(r.stdout, new RegExp(`CapBnd:\\s+${DEFAULT_EFF}`));
  t.regex(r.stdout, /NoNewPrivs:\s+1/);
  t.regex(r.stdout, /Seccomp:\s+2/);
  // "/" in the container's cgroup namespace: joined both the cgroup and its namespace.
  t.regex(r.stdout, /^\d+:memory:\/$/m);
  t.regex(r.stdout, /^hard-1$/m);
  t.regex(r.stdout, /mount=[1-9]/);
  // The exec'd process is counted in the container's cgroup on the host too.
  const pid = (await d.client.inspectContainer(id)).State.Pid;
  const r2 = await exec(id, ['sh', '-c', 'cat /proc/self/cgroup | grep -c ":/$"']);
  t.is(r2.exitCode, 0);
  t.true(Number(r2.stdout.trim()) >= 2, r2.stdout);
  t.true(pid > 0);
});

test('exec follows CapDrop and User of the container, and --privileged exec lifts the confinement', async (t) => {
  const id = await sleeper(t, { CapDrop: ['ALL'] });
  const r = await exec(id, ['sh', '-c', STATUS]);
  t.regex(r.stdout, /CapEff:\s+0000000000000000/);
  const asUser = await exec(id, ['sh', '-c', `id -u; id -g; ${STATUS}`], { User: '1000:1001' });
  t.regex(asUser.stdout, /^1000\n1001\n/);
  t.regex(asUser.stdout, /CapEff:\s+0000000000000000/);
  const priv = await exec(id, ['sh', '-c', STATUS], { Privileged: true });
  const hostPrm = readCapabilitySet('CapPrm').toString(16).padStart(16, '0');
  t.regex(priv.stdout, new RegExp(`CapEff:\\s+${hostPrm}`));
  t.regex(priv.stdout, /Seccomp:\s+0/);
});

test('exec of a missing command exits 127 with Docker\'s message; a missing working directory 126', async (t) => {
  const id = await sleeper(t);
  const r = await exec(id, ['no-such-command']);
  t.is(r.exitCode, 127);
  t.regex(r.stderr, /OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-command": executable file not found in \$PATH/);
  const w = await exec(id, ['true'], { WorkingDir: '/no/such/dir' });
  t.is(w.exitCode, 126);
  t.regex(w.stderr, /chdir to "\/no\/such\/dir": no such file or directory/);
  const dir = await exec(id, ['/etc']);
  t.is(dir.exitCode, 126);
});

test('a TTY container\'s command leads its own session with the terminal as its controlling terminal', async (t) => {
  // Fields 6 and 7 of /proc/self/stat: session id and tty_nr. cut runs in sh's session.
  const r = await runOnce('cut -d" " -f6,7 /proc/self/stat', {}, { Tty: true });
  t.is(r.exitCode, 0, r.stderr);
  const [sid, ttyNr] = r.stdout.trim().split(/\s+/).map(Number);
  t.is(sid, 1, r.stdout);
  t.not(ttyNr, 0, r.stdout);
});

test('a TTY exec (docker exec -t) has its own session and controlling terminal', async (t) => {
  const id = await sleeper(t);
  const env = { ...process.env, DOCKER_HOST: `unix://${d.socket}` };
  const { stdout } = await run('docker', ['exec', '-t', id, 'sh', '-c', 'echo $$; cut -d" " -f6,7 /proc/self/stat; grep CapEff /proc/self/status'], { env });
  // From the first line that is sh's PID (the terminal may echo input before it).
  const lines = stdout.replace(/\r/g, '').trim().split('\n');
  const at = lines.findIndex((l) => /^\d+$/.test(l));
  t.true(at >= 0, stdout);
  const shPid = Number(lines[at]);
  const [sid, ttyNr] = lines[at + 1]!.split(' ').map(Number);
  t.is(sid, shPid, stdout);
  t.not(ttyNr, 0, stdout);
  t.regex(stdout, new RegExp(`CapEff:\\s+${DEFAULT_EFF}`));
});

test('rlimits: nofile soft 1024 by default, Ulimits honoured and clamped to the host\'s hard limit', async (t) => {
  const hostHard = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  const want = hostHard === 'unlimited' ? 1048576 : Math.min(Number(hostHard), 1048576);
  const def = await runOnce('ulimit -n; ulimit -Hn');
  t.is(def.stdout, `1024\n${want}\n`);
  const set = await runOnce('ulimit -n; ulimit -Hn; ulimit -Hu', { Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }, { Name: 'nproc', Soft: 50, Hard: 60 }] });
  t.is(set.stdout, '100\n200\n60\n');
  const big = await runOnce('ulimit -Hn', { Ulimits: [{ Name: 'nofile', Soft: 2000, Hard: 1e9 }] });
  t.is(big.stdout, `${hostHard === 'unlimited' ? 1e9 : Math.min(Number(hostHard), 1e9)}\n`);
  // An exec gets the same limits.
  const id = await sleeper(t, { Ulimits: [{ Name: 'nofile', Soft: 123, Hard: 456 }] });
  const e = await exec(id, ['sh', '-c', 'ulimit -n; ulimit -Hn']);
  t.is(e.stdout, '123\n456\n');
});

test('--read-only root with --tmpfs: writes fail except on the tmpfs, which is noexec unless asked', async (t) => {
  const r = await runOnce(
    'touch /x 2>&1; echo root=$?; echo hi > /tmp/a && cat /tmp/a; grep " /tmp " /proc/mounts; cp /bin/busybox /tmp/true && /tmp/true; echo exec=$?',
    { ReadonlyRootfs: true, Tmpfs: { '/tmp': 'size=16m,mode=1770' } },
  );
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /Read-only file system/);
  t.regex(r.stdout, /root=[1-9]/);
  t.regex(r.stdout, /^hi$/m);
  t.regex(r.stdout, /^tmpfs \/tmp tmpfs rw,nosuid,nodev,noexec,.*size=16384k,mode=1770/m);
  t.regex(r.stdout, /exec=126/);
  const ex = await runOnce('cp /bin/busybox /run/true && /run/true; echo exec=$?', { ReadonlyRootfs: true, Tmpfs: { '/run': 'exec' } });
  t.regex(ex.stdout, /exec=0/);
});

test('--user uid:gid: the command runs as that user with no capabilities', async (t) => {
  const r = await runOnce(`id -u; id -g; ${STATUS}; touch /root/x 2>&1; echo root=$?`, {}, { User: '1000:1000' });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^1000\n1000\n/);
  t.regex(r.stdout, /CapEff:\s+0000000000000000/);
  t.regex(r.stdout, /root=[1-9]/);
});

test('bad security options are a 400 at create, naming the field', async (t) => {
  const cases: [HostConfig, RegExp][] = [
    [{ CapAdd: ['NOT_A_CAP'] }, /CapAdd/],
    [{ SecurityOpt: ['apparmor-ish'] }, /SecurityOpt/],
    [{ Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 5 }] }, /Ulimits/],
    [{ Tmpfs: { relative: '' } }, /Tmpfs/],
    [{ Tmpfs: { '/run': 'size=huge' } }, /Tmpfs/],
  ];
  // A capability missing from the daemon's own set (this machine lacks SYS_RESOURCE) cannot be added.
  const prm = readCapabilitySet('CapPrm');
  const missing = Object.entries(CAPABILITIES).find(([, n]) => n <= lastCapability() && !(prm & (1n << BigInt(n))));
  if (missing) cases.push([{ CapAdd: [missing[0]] }, new RegExp(`CapAdd: ${missing[0]} cannot be granted`)]);
  else t.log('the daemon holds every capability: the "cannot be granted" case is not checked on this host');
  for (const [hc, re] of cases) {
    const e = await t.throwsAsync(d.client.createContainer(busybox('true', hc)));
    t.true(e instanceof BoxifyError, String(e));
    t.is((e as BoxifyError).status, 400, e?.message);
    t.regex(e!.message, re);
  }
});

test('env values never reach the daemon\'s log', async (t) => {
  const secret = `s3cret-${crypto.randomBytes(8).toString('hex')}`;
  const id = await sleeper(t, {}, { Env: [`BOXIFY_TEST_SECRET=${secret}`] });
  const r = await exec(id, ['sh', '-c', 'echo $BOXIFY_TEST_SECRET $OTHER'], { Env: [`OTHER=${secret}x`] });
  t.is(r.stdout.trim(), `${secret} ${secret}x`);
  // A failing create with a secret in it, too.
  await t.throwsAsync(d.client.createContainer({ Image: 'busybox', Cmd: ['true'], Env: [`A=${secret}`], HostConfig: { CapAdd: ['NOPE'] } }));
  t.false(d.output().includes(secret), 'the secret appears in the daemon log');
});
