// The network defaults against a neighbour on the bridge: without CAP_NET_RAW (dropped by
// default) a container cannot forge frames, so one forged ARP reply no longer redirects a
// sibling's gateway traffic; ping still works through ICMP datagram sockets
// (net.ipv4.ping_group_range, set in each container's network namespace). --cap-add NET_RAW
// gives raw sockets back, and with them the forgery.
import test from 'ava';
import fs from 'node:fs';
import { daemonForFile } from '../helpers/daemon.js';
import { buildEscapeProbe, parseProbe, type EscapeProbe } from '../helpers/escape-probe.js';
import { runToExit, startContainer, waitFor } from '../helpers/wait.js';
import type { HostConfig } from '../../src/core/api/types.js';

const d = daemonForFile(test);
let probe: EscapeProbe;
test.before(() => {
  probe = buildEscapeProbe();
});
test.after.always(() => probe?.remove());

const binds = (hc: HostConfig = {}): HostConfig => ({ Binds: [`${probe.dir}:/probe:ro`], ...hc });

async function run(script: string, hc: HostConfig = {}) {
  const r = await runToExit(d.client, { Image: 'busybox', Cmd: ['sh', '-c', script], HostConfig: binds(hc) });
  await d.client.removeContainer(r.id, { force: true }).catch(() => undefined);
  return r;
}

async function exec(id: string, cmd: string[]) {
  const { Id } = await d.client.execCreate(id, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const out = await d.client.execStartCollect(Id);
  return { stdout: out.stdout.toString(), exitCode: (await d.client.execInspect(Id)).ExitCode };
}

test('by default: no raw sockets, ping through ICMP datagram sockets works; --cap-add NET_RAW gives raw sockets and busybox ping', async (t) => {
  const def = await run(`cat /proc/sys/net/ipv4/ping_group_range; /probe/probe raw-icmp; /probe/probe ping-dgram ${d.gateway}; ping -c1 -W3 ${d.gateway} >/dev/null 2>&1; echo busybox-ping=$?`);
  t.is(def.exitCode, 0, def.stderr);
  t.regex(def.stdout, /^0\s+2147483647$/m, 'every group may open ICMP datagram sockets');
  const got = parseProbe(def.stdout);
  t.is(got['raw-icmp'], 'EPERM', def.stdout);
  t.is(got['ping-dgram'], 'ok', def.stdout);
  // Debian's busybox ping (1.35) opens raw sockets only: it needs NET_RAW (see the README).
  t.log(`busybox ping without NET_RAW: ${/busybox-ping=(\d+)/.exec(def.stdout)?.[1]}`);
  const raw = await run(`/probe/probe raw-icmp; ping -c1 -W3 ${d.gateway} >/dev/null 2>&1; echo busybox-ping=$?`, { CapAdd: ['NET_RAW'] });
  t.is(parseProbe(raw.stdout)['raw-icmp'], 'ok', raw.stdout);
  t.regex(raw.stdout, /busybox-ping=0/);
});

/** The MAC a container's ARP table has for `ip` (/proc/net/arp, readable without privileges). */
async function arpEntry(id: string, ip: string): Promise<string | undefined> {
  const r = await exec(id, ['cat', '/proc/net/arp']);
  const line = r.stdout.split('\n').find((l) => l.split(/\s+/)[0] === ip);
  return line?.split(/\s+/)[3];
}

test('a forged ARP reply cannot redirect a sibling\'s gateway by default; with --cap-add NET_RAW it does', async (t) => {
  const gatewayMac = fs.readFileSync(`/sys/class/net/${d.bridge}/address`, 'utf8').trim();
  const victim = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: binds() });
  t.teardown(() => d.client.removeContainer(victim, { force: true }).catch(() => undefined));
  const victimIp = (await d.client.inspectContainer(victim)).NetworkSettings.IPAddress;
  // Traffic to the gateway gives the victim an ARP entry for it: the one to overwrite.
  t.is(parseProbe((await exec(victim, ['/probe/probe', 'ping-dgram', d.gateway])).stdout)['ping-dgram'], 'ok');
  t.is(await arpEntry(victim, d.gateway), gatewayMac);

  const forge = `/probe/probe arp-forge eth0 ${victimIp} ${d.gateway} 100`;
  const denied = await run(forge);
  t.is(parseProbe(denied.stdout)['arp-socket'], 'EPERM', denied.stdout);
  t.is(await arpEntry(victim, d.gateway), gatewayMac, "the victim's gateway entry is untouched");

  // The control: with NET_RAW the same frames go out and the victim believes them.
  const attacker = await startContainer(d.client, { Image: 'busybox', Cmd: ['sh', '-c', `${forge}; sleep 1000`], HostConfig: binds({ CapAdd: ['NET_RAW'] }) });
  t.teardown(() => d.client.removeContainer(attacker, { force: true }).catch(() => undefined));
  const attackerMac = (await d.client.inspectContainer(attacker)).NetworkSettings.MacAddress;
  await waitFor(async () => (await arpEntry(victim, d.gateway)) === attackerMac, 20_000, `the victim's gateway entry to become ${attackerMac}`);
  t.pass();
});
