// The daemon's socket refuses anyone who is neither root nor in the `boxify` group, checked
// with a real unprivileged user made for this test (and removed after it), and the daemon
// listens on nothing but that socket.
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

const user = `bxt${crypto.randomBytes(4).toString('hex')}`;
let createdGroup = false;
let d: TestDaemon | undefined;

function groupExists(name: string): boolean {
  return fs.readFileSync('/etc/group', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));
}

test.before(async () => {
  // The group must exist before the daemon starts: it gives the socket to it at listen time.
  if (!groupExists('boxify')) {
    execFileSync('groupadd', ['--system', 'boxify']);
    createdGroup = true;
  }
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', user]);
  d = await startDaemon();
  // The socket's directory is the test's own, made by root: let the user reach the socket.
  fs.chmodSync(d.socket.replace(/\/[^/]+$/, ''), 0o755);
});

test.after.always(async () => {
  await d?.stop();
  spawnSync('userdel', [user]);
  spawnSync('groupdel', [user]); // the user's own group, if userdel left it
  if (createdGroup) spawnSync('groupdel', ['boxify']);
});

/** Connects to the socket and sends GET /_ping as `uid`/`gid` with exactly `groups`. */
function pingAs(uid: number, gid: number, groups: number[]): { status: number | null; out: string } {
  const script = `
    const net = require('node:net');
    const s = net.connect(process.argv[1]);
    s.on('connect', () => s.write('GET /_ping HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));
    let buf = '';
    s.on('data', (b) => (buf += b));
    s.on('end', () => { console.log(buf.split('\\r\\n')[0]); process.exit(0); });
    s.on('error', (e) => { console.log(e.code); process.exit(3); });`;
  const groupArgs = groups.length ? [`--groups=${groups.join(',')}`] : ['--clear-groups'];
  const r = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, ...groupArgs, process.execPath, '-e', script, d!.socket], { encoding: 'utf8' });
  return { status: r.status, out: (r.stdout + r.stderr).trim() };
}

test.serial('the socket is mode 0660, owned by root and the boxify group', (t) => {
  const st = fs.statSync(d!.socket);
  t.true(st.isSocket());
  t.is(st.mode & 0o777, 0o660);
  t.is(st.uid, 0);
  const gid = Number(execFileSync('getent', ['group', 'boxify'], { encoding: 'utf8' }).split(':')[2]);
  t.is(st.gid, gid);
});

test.serial('an unprivileged user outside the group gets EACCES; in the boxify group it can ping', (t) => {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }));
  const denied = pingAs(uid, gid, []);
  t.is(denied.status, 3, denied.out);
  t.is(denied.out, 'EACCES');

  execFileSync('usermod', ['-a', '-G', 'boxify', user]);
  const boxifyGid = Number(execFileSync('getent', ['group', 'boxify'], { encoding: 'utf8' }).split(':')[2]);
  // What a fresh login of that user gets: its primary group plus boxify.
  const allowed = pingAs(uid, gid, [gid, boxifyGid]);
  t.is(allowed.status, 0, allowed.out);
  t.is(allowed.out, 'HTTP/1.1 200 OK');
});

test.serial('the daemon listens on no TCP or UDP port', (t) => {
  const pid = Number(
    execFileSync('sh', ['-c', `for p in /proc/[0-9]*; do grep -qz "BOXIFY_SOCKET=${d!.socket}" $p/environ 2>/dev/null && grep -q "node" $p/comm && echo \${p#/proc/}; done | head -1`], {
      encoding: 'utf8',
    }).trim(),
  );
  t.true(pid > 0, 'found the daemon process');
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    const l = fs.readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' } as never) as unknown as string;
    const m = /^socket:\[(\d+)\]$/.exec(l);
    if (m) inodes.add(m[1]!);
  }
  t.true(inodes.size > 0);
  for (const f of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const rows = fs.readFileSync(`/proc/${pid}/net/${f}`, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      // column 3 is the state (0A = LISTEN for tcp), column 9 the inode
      t.false(inodes.has(cols[9]!), `the daemon owns a ${f} socket: ${row}`);
    }
  }
});
