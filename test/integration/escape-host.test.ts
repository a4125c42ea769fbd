// What a container can reach of the host through the daemon's own process: the terminal the
// daemon was started from (TIOCSTI), fds the daemon inherited, the daemon's fate on SIGHUP,
// and the node binary that boxify-init runs as (CVE-2019-5736's `#!/proc/self/exe`). Each
// test fails on a daemon without the corresponding defence.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, TEST_TMP, type TestDaemon } from '../helpers/daemon.js';
import { NODE_LIBS, SELF_EXE_SCRIPT, buildEscapeProbe, fingerprint, parseProbe, restoreXattrs, type EscapeProbe } from '../helpers/escape-probe.js';
import { runToExit, startContainer, waitFor } from '../helpers/wait.js';
import type { HostConfig } from '../../src/core/api/types.js';

let probe: EscapeProbe;
test.before(() => {
  probe = buildEscapeProbe();
});
test.after.always(() => probe?.remove());

function daemonFor(t: import('ava').ExecutionContext, d: TestDaemon): TestDaemon {
  t.teardown(() => d.stop());
  return d;
}

async function run(d: TestDaemon, script: string, hc: HostConfig = {}) {
  const r = await runToExit(d.client, { Image: 'busybox', Cmd: ['sh', '-c', script], HostConfig: { Binds: [`${probe.dir}:/probe:ro`], ...hc } });
  await d.client.removeContainer(r.id, { force: true }).catch(() => undefined);
  return r;
}

async function exec(d: TestDaemon, id: string, cmd: string[]) {
  const { Id } = await d.client.execCreate(id, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const out = await d.client.execStartCollect(Id);
  return { stdout: out.stdout.toString(), stderr: out.stderr.toString(), exitCode: (await d.client.execInspect(Id)).ExitCode };
}

async function sleeper(t: import('ava').ExecutionContext, d: TestDaemon, hc: HostConfig = {}): Promise<string> {
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: { Binds: [`${probe.dir}:/probe:ro`], ...hc } });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  return id;
}

test('a daemon started from a terminal (nohup boxifyd &) gives it up: containers and execs cannot push input into it, and its hang-up does not end the daemon', async (t) => {
  const d = daemonFor(t, await startDaemon({ onTerminal: true }));
  const term = d.terminal();
  const fromRun = await run(d, '/probe/probe tiocsti "echo INJECTED-BY-CONTAINER"');
  t.is(fromRun.exitCode, 0, fromRun.stderr);
  const id = await sleeper(t, d);
  const fromExec = await exec(d, id, ['/probe/probe', 'tiocsti', 'echo INJECTED-BY-EXEC']);
  t.is(fromExec.exitCode, 0, fromExec.stderr);
  for (const out of [fromRun.stdout, fromExec.stdout]) {
    const got = parseProbe(out);
    // No controlling terminal in the container's session, and fds 0-2 are not terminals.
    t.is(got['open-dev-tty'], 'ENXIO', out);
    for (const fd of [0, 1, 2]) t.not(got[`tiocsti-fd${fd}`], 'ok', out);
  }
  // The shell on the terminal reads a line typed now; a pushed line would have come first.
  term.write('typed-marker\r');
  await waitFor(() => term.output().includes('shell-read[typed-marker]'), 10_000, 'the shell on the terminal to read the typed line');
  t.false(term.output().includes('INJECTED'), term.output());
  t.regex(d.output(), /gave up the controlling terminal/);

  // The terminal hangs up (its master end closes): the daemon keeps serving. So it does
  // through an explicit SIGHUP (nohup's SIG_IGN does not survive Node's start-up).
  term.hangUp();
  await waitFor(() => term.exited(), 10_000, 'the shell on the terminal to end');
  await d.client.ping();
  process.kill(d.pid(), 'SIGHUP');
  await waitFor(() => d.output().includes('SIGHUP received'), 10_000, 'the daemon to log SIGHUP');
  await d.client.ping();
  const after = await run(d, 'echo still-here');
  t.is(after.stdout, 'still-here\n');
});

test('an fd the daemon inherited reaches neither a container nor an exec; both lead their own session', async (t) => {
  const marker = fs.mkdtempSync(path.join(TEST_TMP, 'inherited-'));
  t.teardown(() => fs.rmSync(marker, { recursive: true, force: true }));
  const fd = fs.openSync(marker, 'r');
  let d: TestDaemon;
  try {
    d = daemonFor(t, await startDaemon({ inheritFd: fd }));
  } finally {
    fs.closeSync(fd);
  }
  // Shown to be there: the daemon itself holds it as fd 3.
  t.is(fs.readlinkSync(`/proc/${d.pid()}/fd/3`), marker);
  const r = await run(d, '/probe/probe fds; cut -d" " -f6 /proc/self/stat');
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, 'fds 0 1 2\n1\n', 'the container command has fds 0-2 only, in the session of its PID 1');
  const id = await sleeper(t, d);
  const e = await exec(d, id, ['sh', '-c', '/probe/probe fds; echo $$; cut -d" " -f6 /proc/self/stat']);
  t.is(e.exitCode, 0, e.stderr);
  t.is(e.stdout.trim().split('\n')[0], 'fds 0 1 2');
});

test('#!/proc/self/exe as a container command runs the host node read-only: no xattr, chmod or write reaches it', async (t) => {
  const d = daemonFor(t, await startDaemon());
  const node = fs.realpathSync(process.execPath);
  const before = fingerprint(node);
  // Were the defence missing, undo what the test itself set (an empty, harmless capability set).
  t.teardown(() => restoreXattrs(node, before));
  fs.writeFileSync(path.join(probe.dir, 'self-exe'), SELF_EXE_SCRIPT, { mode: 0o755 });
  const r = await runToExit(d.client, {
    Image: 'busybox',
    Cmd: ['/probe/self-exe'],
    HostConfig: { Binds: [`${probe.dir}:/probe:ro`, ...NODE_LIBS] },
  });
  await d.client.removeContainer(r.id, { force: true }).catch(() => undefined);
  t.is(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  const got = parseProbe(r.stdout);
  // It did run as the host's node (the same inode), through the daemon's read-only bind of it.
  const host = fs.statSync(node);
  t.is(got['running-as'], `${host.dev}:${host.ino}`, r.stdout);
  for (const k of ['setxattr-security.capability', 'setxattr-user', 'fchmod-same-mode', 'chmod-path']) t.is(got[k], 'EROFS', `${k}: ${r.stdout}`);
  // ETXTBSY while any node runs (this test does); EROFS once none does.
  t.regex(got['open-write'] ?? '', /^(EROFS|ETXTBSY)$/, r.stdout);
  t.deepEqual(fingerprint(node), before, "the host's node binary is unchanged");
});
