// The exec path seen from inside the container (CVE-2019-5736 and its kin): processes racing
// on /proc/*/exe, /proc/*/fd and /proc/*/mem while execs come and go reach nothing of the
// host; the exec'd command has fds 0-2 only and a session of its own; a `#!/proc/self/exe`
// exec reaches only a read-only node; and the shell of `boxify run` can never push input
// into the user's terminal (TIOCSTI), with or without a terminal of its own.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { CLI, SLOW, startDaemon, TEST_TMP, type TestDaemon } from '../helpers/daemon.js';
import { NODE_LIBS, SELF_EXE_SCRIPT, buildEscapeProbe, fingerprint, parseProbe, restoreXattrs, type EscapeProbe } from '../helpers/escape-probe.js';
import { readLogs, startContainer, waitFor, withTimeout } from '../helpers/wait.js';
import type { ExecCreateRequest, HostConfig } from '../../src/core/api/types.js';

let probe: EscapeProbe;
let d: TestDaemon;
/** A host directory the daemon inherits an fd of: the racer looks for it in every process. */
let marker = '';

test.before(async () => {
  probe = buildEscapeProbe();
  marker = fs.mkdtempSync(path.join(TEST_TMP, 'exec-marker-'));
  const fd = fs.openSync(marker, 'r');
  try {
    d = await startDaemon({ inheritFd: fd });
  } finally {
    fs.closeSync(fd);
  }
});
test.after.always(async () => {
  await d?.stop();
  probe?.remove();
  if (marker) fs.rmSync(marker, { recursive: true, force: true });
});
test.afterEach.always((t) => {
  if (!t.passed && d) t.log(`boxifyd output (last 3000 chars):\n${d.output().slice(-3000)}`);
});

async function container(t: import('ava').ExecutionContext, cmd: string[], hc: HostConfig = {}): Promise<string> {
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: cmd, HostConfig: { Binds: [`${probe.dir}:/probe:ro`], ...hc } });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  return id;
}

async function exec(id: string, cmd: string[], extra: Partial<ExecCreateRequest> = {}) {
  const { Id } = await d.client.execCreate(id, { Cmd: cmd, AttachStdout: true, AttachStderr: true, ...extra });
  const out = await d.client.execStartCollect(Id);
  return { stdout: out.stdout.toString(), stderr: out.stderr.toString(), exitCode: (await d.client.execInspect(Id)).ExitCode };
}

test('processes racing on /proc/*/exe, fd and mem while 50 execs run reach nothing of the host', async (t) => {
  const node = fs.statSync(process.execPath);
  const mark = fs.statSync(marker);
  const race = `/probe/probe race ${node.dev} ${node.ino} ${mark.dev} ${mark.ino} /tmp/stop`;
  // Two racers, one per CPU here, so one is always scanning.
  const id = await container(t, ['sh', '-c', `${race} & ${race}; wait`]);
  await waitFor(async () => (await exec(id, ['sh', '-c', 'pidof probe | wc -w'])).stdout.trim() === '2', 10_000, 'both racers to run');
  let failed = 0;
  const workers = Array.from({ length: 5 }, async (_, w) => {
    for (let i = w; i < 50; i += 5) if ((await exec(id, ['true'])).exitCode !== 0) failed++;
  });
  await Promise.all(workers);
  t.is(failed, 0, 'every exec ran');
  await exec(id, ['touch', '/tmp/stop']);
  await withTimeout(d.client.waitContainer(id, 'not-running'), 60_000, () => 'the racers did not stop');
  const out = (await readLogs(d.client, id)).stdout;
  const lines = out.split('\n').filter((l) => l.startsWith('race '));
  t.is(lines.length, 2, out);
  for (const l of lines) {
    t.log(l);
    const f = Object.fromEntries(l.slice(5).split(' ').map((kv) => kv.split('=') as [string, string]));
    t.true(Number(f.scanned) > 0, l);
    t.is(f['exe-host'], '0', `the host's node was opened: ${l}`);
    t.is(f['mem-host'], '0', `the memory of a host node process was opened: ${l}`);
    t.is(f['fd-host'], '0', `a host file was reached through an fd: ${l}`);
  }
});

test('an exec has fds 0-2 only and leads a session of its own without a terminal; with -t, its own terminal', async (t) => {
  const id = await container(t, ['sleep', '1000']);
  const plain = await exec(id, ['sh', '-c', '/probe/probe fds; echo $$; cut -d" " -f6,7 /proc/self/stat; /probe/probe tiocsti x']);
  t.is(plain.exitCode, 0, plain.stderr);
  const [fdsLine, shPid, sidTty] = plain.stdout.trim().split('\n');
  t.is(fdsLine, 'fds 0 1 2');
  t.is(sidTty, `${shPid} 0`, 'session of its own (sid = its PID), no controlling terminal');
  t.is(parseProbe(plain.stdout)['open-dev-tty'], 'ENXIO');
  // With a TTY: the terminal is its controlling terminal, and still nothing else is open.
  const tty = await exec(id, ['sh', '-c', '/probe/probe fds; echo $$; cut -d" " -f6,7,8 /proc/self/stat'], { Tty: true });
  t.is(tty.exitCode, 0, tty.stdout);
  const [ttyFds, ttyPid, stat] = tty.stdout.replace(/\r/g, '').trim().split('\n');
  t.is(ttyFds, 'fds 0 1 2');
  const [sid, ttyNr] = stat!.split(' ');
  t.is(sid, ttyPid);
  t.not(ttyNr, '0');
});

test('a TTY exec as a user without capabilities still gets its terminal as controlling terminal', async (t) => {
  const id = await container(t, ['sleep', '1000'], { CapDrop: ['ALL'] });
  const r = await exec(id, ['sh', '-c', 'id -u; echo $$; cut -d" " -f6,7 /proc/self/stat'], { Tty: true, User: '1000:1000' });
  t.is(r.exitCode, 0, r.stdout);
  const [uid, pid, stat] = r.stdout.replace(/\r/g, '').trim().split('\n');
  t.is(uid, '1000');
  const [sid, ttyNr] = stat!.split(' ');
  t.is(sid, pid);
  t.not(ttyNr, '0');
});

test('#!/proc/self/exe as an exec runs the host node read-only: no xattr, chmod or write reaches it', async (t) => {
  const node = fs.realpathSync(process.execPath);
  const before = fingerprint(node);
  t.teardown(() => restoreXattrs(node, before));
  fs.writeFileSync(path.join(probe.dir, 'self-exe'), SELF_EXE_SCRIPT, { mode: 0o755 });
  const id = await container(t, ['sleep', '1000'], { Binds: [`${probe.dir}:/probe:ro`, ...NODE_LIBS] });
  const r = await exec(id, ['/probe/self-exe']);
  t.is(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  const got = parseProbe(r.stdout);
  const host = fs.statSync(node);
  t.is(got['running-as'], `${host.dev}:${host.ino}`, r.stdout);
  for (const k of ['setxattr-security.capability', 'setxattr-user', 'fchmod-same-mode', 'chmod-path']) t.is(got[k], 'EROFS', `${k}: ${r.stdout}`);
  t.regex(got['open-write'] ?? '', /^(EROFS|ETXTBSY)$/, r.stdout);
  t.deepEqual(fingerprint(node), before, "the host's node binary is unchanged");
});

/**
 * The user's terminal: a shell on a pseudo-terminal runs `boxify run` (boxify.yaml, no
 * command) as given, then prints every further line it reads as shell-read[LINE].
 */
function userTerminal(t: import('ava').ExecutionContext, runCommand: string) {
  const dir = fs.mkdtempSync(path.join(TEST_TMP, 'yaml-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'boxify.yaml'), `imageName: busybox\nvolumes:\n  - "${probe.dir}:/probe:ro"\nsettings:\n  memoryLimit: 100m\n  cpuLimit: 512\n`);
  fs.writeFileSync(path.join(dir, 'script'), '/probe/probe tiocsti "echo INJECTED"\nexit 0\n');
  const script = `${runCommand}; echo "run-exit=$?"; while IFS= read -r line; do printf "shell-read[%s]\\n" "$line"; done`;
  const term = spawnPty('/bin/sh', ['-c', script], {
    cols: 120,
    rows: 40,
    cwd: dir,
    env: { ...process.env, BOXIFY_SOCKET: d.socket, BOXIFY: `${process.execPath} ${CLI}` } as Record<string, string>,
  });
  let screen = '';
  term.onData((s) => (screen += s));
  t.teardown(() => term.kill('SIGKILL'));
  return { term, screen: () => screen };
}

test('boxify run without a terminal on stdin: the container shell cannot push a line into the user\'s terminal', async (t) => {
  const u = userTerminal(t, '$BOXIFY run < script');
  await waitFor(() => /run-exit=\d+/.test(u.screen()), 60_000, `boxify run to end: ${u.screen()}`);
  t.regex(u.screen(), /run-exit=0/);
  const got = parseProbe(u.screen().replace(/\r/g, '').split('run-exit')[0]!);
  t.is(got['open-dev-tty'], 'ENXIO', u.screen());
  t.not(got['tiocsti-fd0'], 'ok');
  u.term.write('typed-marker\r');
  await waitFor(() => u.screen().includes('shell-read[typed-marker]'), 10_000 * SLOW, 'the user shell to read the typed line');
  t.notRegex(u.screen(), /shell-read\[[^\]]*INJECTED/, u.screen());
});

test('boxify run on a terminal: the container shell has a terminal of its own, and TIOCSTI there never reaches the user\'s', async (t) => {
  const u = userTerminal(t, '$BOXIFY run');
  u.term.write('echo "inside=$((6*7))"\r');
  await waitFor(() => u.screen().includes('inside=42'), 60_000, `the container shell to answer: ${u.screen()}`);
  // Its controlling terminal is the one boxify made for it: the push lands in its own input.
  u.term.write('/probe/probe tiocsti "echo INJECTED-$((1+1))"; sleep 1; exit 0\r');
  await waitFor(() => /run-exit=\d+/.test(u.screen()), 60_000, `boxify run to end: ${u.screen()}`);
  t.regex(u.screen(), /open-dev-tty ok/);
  t.regex(u.screen(), /tiocsti-dev-tty ok/);
  u.term.write('typed-marker\r');
  await waitFor(() => u.screen().includes('shell-read[typed-marker]'), 10_000 * SLOW, 'the user shell to read the typed line');
  t.notRegex(u.screen(), /shell-read\[[^\]]*INJECTED/, u.screen());
});
