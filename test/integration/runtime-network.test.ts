// Container networking and clean removal on the real kernel, through the API: containers on
// the daemon's private bridge reach each other and the gateway (and nothing else is tried),
// concurrent starts get distinct leases, and removal leaves no mount, veth, cgroup, lease or
// directory behind.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { daemonForFile } from '../helpers/daemon.js';
import { execIn, startContainer } from '../helpers/wait.js';

const d = daemonForFile(test);

// Busybox ping opens raw sockets: NET_RAW, which containers no longer have by default.
const sleeper = { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: { CapAdd: ['NET_RAW'] } };
const prefix = () => d.subnet.replace(/\.0\/24$/, '.');

function leases(): Record<string, string> {
  const file = path.join(d.root, 'network', 'leases.json');
  if (!fs.existsSync(file)) return {};
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { leases?: Record<string, string> }).leases ?? {};
}

/** Everything on the host that names the container: what removal must take away. */
function traces(id: string) {
  const cgroups = spawnSync('find', ['/sys/fs/cgroup', '-name', `*${id}*`], { encoding: 'utf8' }).stdout.trim();
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  return {
    mounts: fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(id)),
    veth: links.includes(`bx${id.slice(0, 11)}`),
    cgroups: cgroups ? cgroups.split('\n') : [],
    lease: id in leases(),
    dir: fs.existsSync(path.join(d.root, 'containers', id)),
  };
}

const ping = (id: string, target: string) => execIn(d.client, id, ['ping', '-c1', '-W2', target]);

test.serial('two containers ping each other and the gateway', async (t) => {
  const a = await startContainer(d.client, sleeper);
  const b = await startContainer(d.client, sleeper);
  t.teardown(async () => {
    await d.client.removeContainer(a, { force: true }).catch(() => undefined);
    await d.client.removeContainer(b, { force: true }).catch(() => undefined);
  });
  const ipA = (await d.client.inspectContainer(a)).NetworkSettings.IPAddress;
  const ipB = (await d.client.inspectContainer(b)).NetworkSettings.IPAddress;
  t.true(ipA.startsWith(prefix()) && ipB.startsWith(prefix()), `${ipA} ${ipB} in ${d.subnet}`);
  t.not(ipA, ipB);
  t.is((await d.client.inspectContainer(a)).NetworkSettings.Gateway, d.gateway);
  for (const [from, to] of [
    [a, ipB],
    [b, ipA],
    [a, d.gateway],
    [b, d.gateway],
  ] as const) {
    const r = await ping(from, to);
    t.is(r.exitCode, 0, `ping ${to} from ${from.slice(0, 12)}: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /1 packets received/);
  }
  // An unleased address on our own bridge does not answer: the checks above can fail.
  const none = await ping(a, `${prefix()}250`);
  t.not(none.exitCode, 0, none.stdout);
  const route = await execIn(d.client, a, ['ip', 'route']);
  t.regex(route.stdout, new RegExp(`default via ${d.gateway.replace(/\./g, '\\.')}`));
});

test.serial('20 concurrent creates and starts get 20 distinct IPs', async (t) => {
  const ids: string[] = [];
  t.teardown(async () => {
    await Promise.all(ids.map((id) => d.client.removeContainer(id, { force: true }).catch(() => undefined)));
  });
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, async () => {
      const { Id } = await d.client.createContainer(sleeper);
      ids.push(Id);
      await d.client.startContainer(Id);
      return Id;
    }),
  );
  const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  t.deepEqual(failed, []);
  const ips = await Promise.all(ids.map(async (id) => (await d.client.inspectContainer(id)).NetworkSettings.IPAddress));
  t.is(ips.length, 20);
  t.is(new Set(ips).size, 20, ips.join(' '));
  for (const ip of ips) {
    t.true(ip.startsWith(prefix()), ip);
    t.not(ip, d.gateway);
  }
  const l = leases();
  t.deepEqual(ids.map((id) => l[id]), ips, 'the lease file records each container\'s IP');
  await Promise.all(ids.map((id) => d.client.removeContainer(id, { force: true })));
  const after = leases();
  t.deepEqual(ids.filter((id) => id in after), [], 'leases released on removal');
});

test.serial('removing a container leaves no mount, veth, cgroup, lease, process or directory', async (t) => {
  const id = await startContainer(d.client, sleeper);
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  const pid = (await d.client.inspectContainer(id)).State.Pid;
  const before = traces(id);
  // Each trace exists while it runs, so their absence afterwards means something.
  // The overlay is mounted in the container's own mount namespace, so the host does not see
  // it (checked before and after); the container's mountinfo does.
  t.deepEqual(before.mounts, [], 'the host mount table does not carry the container\'s rootfs');
  t.true(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(id), 'rootfs mount in the container\'s mountinfo');
  t.true(before.veth, 'host veth present');
  t.true(before.cgroups.length > 0, 'cgroup present');
  t.true(before.lease, 'lease present');
  t.true(before.dir, 'container directory present');
  await d.client.removeContainer(id, { force: true });
  t.deepEqual(traces(id), { mounts: [], veth: false, cgroups: [], lease: false, dir: false });
  t.false(fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), 'process gone');
  const err = await t.throwsAsync(d.client.inspectContainer(id));
  t.regex(err!.message, /No such container/);
});

test.serial('removing an exited container leaves nothing either', async (t) => {
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['true'] });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  t.is((await d.client.waitContainer(id)).StatusCode, 0);
  await d.client.removeContainer(id);
  t.deepEqual(traces(id), { mounts: [], veth: false, cgroups: [], lease: false, dir: false });
});
