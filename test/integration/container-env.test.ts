// The environment containers and execs get, as Docker gives it: PATH, HOSTNAME, HOME from
// the user's passwd entry (/ without one), TERM=xterm only with a terminal; the container's
// and the exec's own variables win. Checked through boxify and the real docker CLI.
import test from 'ava';
import { daemonForFile } from '../helpers/daemon.js';
import { boxify, boxifyOnPty } from '../helpers/cli.js';
import { docker, show } from '../helpers/docker.js';

const daemon = daemonForFile(test);

/** `env` output as ordered [key, value] pairs. */
function envOf(out: string): [string, string][] {
  return out
    .split(/\r?\n/)
    .filter(Boolean)
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

test('run: PATH, HOSTNAME and HOME=/root, no TERM without a terminal, the same as docker run', async (t) => {
  const b = await boxify(daemon, ['run', '--rm', 'busybox', 'env']);
  t.is(b.code, 0, show(b));
  const env = envOf(b.stdout);
  t.deepEqual(
    env.map(([k]) => k),
    ['PATH', 'HOSTNAME', 'HOME'],
  );
  t.regex(Object.fromEntries(env).HOSTNAME!, /^[0-9a-f]{12}$/);
  t.is(Object.fromEntries(env).HOME, '/root');
  const d = await docker(daemon, ['run', '--rm', 'busybox', 'env']);
  t.is(d.code, 0, show(d));
  t.deepEqual(
    envOf(d.stdout).map(([k]) => k),
    ['PATH', 'HOSTNAME', 'HOME'],
  );
});

test('run: HOME follows -u (passwd, or / without an entry), -e HOME and -h win, inspect keeps Config.Env as given', async (t) => {
  const r = await boxify(daemon, ['run', '--rm', '-u', 'nobody', 'busybox', 'sh', '-c', 'echo "$HOME"']);
  t.is(r.stdout, '/nonexistent\n', show(r));
  t.is((await boxify(daemon, ['run', '--rm', '-u', '4242', 'busybox', 'sh', '-c', 'echo "$HOME"'])).stdout, '/\n');
  t.is((await boxify(daemon, ['run', '--rm', '-e', 'HOME=/srv', 'busybox', 'sh', '-c', 'echo "$HOME"'])).stdout, '/srv\n');
  t.is((await boxify(daemon, ['run', '--rm', '-h', 'myhost', 'busybox', 'sh', '-c', 'echo "$HOSTNAME"'])).stdout, 'myhost\n');
  const { Id } = await daemon.client.createContainer({ Image: 'busybox', Cmd: ['true'] });
  t.teardown(() => daemon.client.removeContainer(Id, { force: true }));
  t.deepEqual((await daemon.client.inspectContainer(Id)).Config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
});

test('run -t gives TERM=xterm, with and without -i on a terminal', async (t) => {
  const piped = await boxify(daemon, ['run', '--rm', '-t', 'busybox', 'sh', '-c', 'echo "term=$TERM"']);
  t.is(piped.code, 0, show(piped));
  t.is(piped.stdout, 'term=xterm\r\n');
  const p = await boxifyOnPty(daemon, ['run', '--rm', '-it', 'busybox', 'sh', '-c', 'echo "term=$TERM home=$HOME host=$HOSTNAME"']);
  t.teardown(() => p.term.kill());
  await p.until(/term=xterm home=\/root host=[0-9a-f]{12}/, 'the environment of run -it');
  t.is(await p.exit, 0);
  const d = await docker(daemon, ['run', '--rm', '-t', 'busybox', 'sh', '-c', 'echo "term=$TERM"']);
  t.is(d.stdout, 'term=xterm\r\n', show(d));
});

test('exec: HOSTNAME and HOME, TERM only with -t, HOME of the exec user, exec -e wins', async (t) => {
  const { Id } = await daemon.client.createContainer({ Image: 'busybox', Cmd: ['sleep', '600'], Hostname: 'exechost' });
  t.teardown(() => daemon.client.removeContainer(Id, { force: true }));
  await daemon.client.startContainer(Id);
  const plain = await boxify(daemon, ['exec', Id, 'env']);
  t.is(plain.code, 0, show(plain));
  t.deepEqual(envOf(plain.stdout), [
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOSTNAME', 'exechost'],
    ['HOME', '/root'],
  ]);
  const d = await docker(daemon, ['exec', Id, 'env']);
  t.deepEqual(envOf(d.stdout), envOf(plain.stdout), show(d));

  const tty = await boxify(daemon, ['exec', '-t', Id, 'env']);
  t.deepEqual(
    envOf(tty.stdout).map(([k]) => k),
    ['PATH', 'HOSTNAME', 'TERM', 'HOME'],
    show(tty),
  );
  t.true(tty.stdout.includes('TERM=xterm'));
  const p = await boxifyOnPty(daemon, ['exec', '-it', Id, 'sh', '-c', 'echo "term=$TERM home=$HOME"']);
  t.teardown(() => p.term.kill());
  await p.until(/term=xterm home=\/root/, 'the environment of exec -it');

  t.is((await boxify(daemon, ['exec', '-u', 'nobody', Id, 'sh', '-c', 'echo "$HOME"'])).stdout, '/nonexistent\n');
  t.is((await boxify(daemon, ['exec', '-e', 'HOME=/tmp', '-e', 'HOSTNAME=x', Id, 'sh', '-c', 'echo "$HOME $HOSTNAME"'])).stdout, '/tmp x\n');
});
