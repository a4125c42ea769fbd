import test from 'ava';
import { BoxifyError } from '../../src/core/errors.js';
import {
  parseExposedPorts,
  parsePortBindings,
  parsePublishFlag,
  toInspectPorts,
  toPortBindings,
  toPortSummaries,
  type PublishedPort,
} from '../../src/core/network/ports.js';

function throws400(t: import('ava').ExecutionContext, fn: () => unknown, field: string, re: RegExp): void {
  const err = t.throws(fn, { instanceOf: BoxifyError });
  t.is(err?.status, 400);
  t.is(err?.field, field);
  t.regex(err!.message, re);
}

test('parsePortBindings: Docker shapes, defaults for empty HostIp and HostPort', (t) => {
  t.deepEqual(
    parsePortBindings({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostIp: '', HostPort: '' }],
      '53/udp': [{ HostPort: '5353' }],
      '443': [{}],
      '9000/tcp': null,
      '7000/tcp': [],
    }),
    // (a bare "443" key is integer-like, so JavaScript lists it first)
    [
      { hostIp: '0.0.0.0', hostPort: 0, containerPort: 443, proto: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 0, containerPort: 80, proto: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, proto: 'udp' },
      { hostIp: '0.0.0.0', hostPort: 0, containerPort: 7000, proto: 'tcp' },
    ],
  );
  t.deepEqual(parsePortBindings(null), []);
  t.deepEqual(parsePortBindings(undefined, { '80/tcp': {} }), []);
  t.deepEqual(parsePortBindings({ '80/tcp': [{ HostIp: '::1', HostPort: '8080' }] })[0]!.hostIp, '::1');
});

test('parsePortBindings: publishAll publishes exposed ports that have no binding', (t) => {
  const m = parsePortBindings({ '80/tcp': [{ HostPort: '8080' }] }, { '80/tcp': {}, '53/udp': {} }, { publishAll: true });
  t.deepEqual(m, [
    { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' },
    { hostIp: '0.0.0.0', hostPort: 0, containerPort: 53, proto: 'udp' },
  ]);
});

test('parsePortBindings: every bad input is a 400 naming HostConfig.PortBindings', (t) => {
  const f = 'HostConfig.PortBindings';
  throws400(t, () => parsePortBindings([]), f, /must be an object/);
  throws400(t, () => parsePortBindings('80:80'), f, /must be an object/);
  throws400(t, () => parsePortBindings({ '0/tcp': [] }), f, /container port 0 is out of range \(use 1-65535\)/);
  throws400(t, () => parsePortBindings({ '65536/tcp': [] }), f, /out of range/);
  throws400(t, () => parsePortBindings({ 'http/tcp': [] }), f, /"http" is not a number/);
  throws400(t, () => parsePortBindings({ '80/sctp': [] }), f, /protocol "sctp" is not supported \(use tcp or udp\)/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostPort: '70000' }] }), f, /host port 70000 is out of range/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostPort: '-1' }] }), f, /range/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostPort: '80a' }] }), f, /not a number/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostIp: '300.1.1.1', HostPort: '80' }] }), f, /host IP "300.1.1.1" is not an IP address/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostIp: 'localhost' }] }), f, /not an IP address/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostIp: 1 }] }), f, /HostIp must be a string/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostPort: true }] }), f, /HostPort must be a string/);
  throws400(t, () => parsePortBindings({ '80/tcp': 'x' }), f, /must be a list/);
  throws400(t, () => parsePortBindings({ '80/tcp': [null] }), f, /must be an object/);
  throws400(t, () => parsePortBindings({ '80/tcp': [{ HostPort: '8000-8010' }] }), f, /range "8000-8010" is not supported/);
  throws400(
    t,
    () => parsePortBindings({ '80/tcp': [{ HostPort: '8080' }], '81/tcp': [{ HostPort: '8080' }] }),
    f,
    /host port 0.0.0.0:8080\/tcp is bound twice/,
  );
  // Same port on tcp and udp is fine.
  t.is(parsePortBindings({ '80/tcp': [{ HostPort: '8080' }], '80/udp': [{ HostPort: '8080' }] }).length, 2);
});

test('parseExposedPorts validates keys and names ExposedPorts', (t) => {
  t.deepEqual(parseExposedPorts({ '80/tcp': {}, '53/udp': {}, '22': {} }), [
    { port: 22, proto: 'tcp' },
    { port: 80, proto: 'tcp' },
    { port: 53, proto: 'udp' },
  ]);
  throws400(t, () => parseExposedPorts({ '99999/tcp': {} }), 'ExposedPorts', /out of range/);
  throws400(t, () => parseExposedPorts(['80']), 'ExposedPorts', /must be an object/);
});

test('parsePublishFlag: every -p form', (t) => {
  const m = (hostIp: string, hostPort: number, containerPort: number, proto = 'tcp') => ({ hostIp, hostPort, containerPort, proto });
  t.deepEqual(parsePublishFlag('80'), [m('0.0.0.0', 0, 80)]);
  t.deepEqual(parsePublishFlag('53/udp'), [m('0.0.0.0', 0, 53, 'udp')]);
  t.deepEqual(parsePublishFlag('8080:80'), [m('0.0.0.0', 8080, 80)]);
  t.deepEqual(parsePublishFlag('8080:80/UDP'), [m('0.0.0.0', 8080, 80, 'udp')]);
  t.deepEqual(parsePublishFlag('127.0.0.1:8080:80'), [m('127.0.0.1', 8080, 80)]);
  t.deepEqual(parsePublishFlag('127.0.0.1::80'), [m('127.0.0.1', 0, 80)]);
  t.deepEqual(parsePublishFlag(':80'), [m('0.0.0.0', 0, 80)]);
  t.deepEqual(parsePublishFlag('[::1]:8080:80/tcp'), [m('::1', 8080, 80)]);
  t.deepEqual(parsePublishFlag('8000-8001:80-81'), [m('0.0.0.0', 8000, 80), m('0.0.0.0', 8001, 81)]);
  t.deepEqual(parsePublishFlag('80-81'), [m('0.0.0.0', 0, 80), m('0.0.0.0', 0, 81)]);
});

test('parsePublishFlag: clear 400 errors naming the flag', (t) => {
  const f = 'publish';
  throws400(t, () => parsePublishFlag(''), f, /empty port mapping/);
  throws400(t, () => parsePublishFlag('0'), f, /"0": container port 0 is out of range \(use 1-65535\)/);
  throws400(t, () => parsePublishFlag('65536'), f, /out of range/);
  throws400(t, () => parsePublishFlag('70000:80'), f, /host port 70000 is out of range/);
  throws400(t, () => parsePublishFlag('8080:80/sctp'), f, /protocol "sctp" is not supported/);
  throws400(t, () => parsePublishFlag('8080:80/'), f, /protocol "" is not supported/);
  throws400(t, () => parsePublishFlag('1.2.3:8080:80'), f, /host IP "1.2.3" is not an IP address/);
  throws400(t, () => parsePublishFlag('::8080:80'), f, /too many ":"|host IP/);
  throws400(t, () => parsePublishFlag('a:b:c:d'), f, /too many ":"/);
  throws400(t, () => parsePublishFlag('web:80'), f, /host port "web" is not a number/);
  throws400(t, () => parsePublishFlag('8000-8002:80-81'), f, /same length/);
  throws400(t, () => parsePublishFlag('90-80'), f, /ends before it starts/);
  throws400(t, () => parsePublishFlag('[::1:8080:80'), f, /IPv6/);
  throws400(t, () => parsePublishFlag('8080:0', 'ports[0]'), 'ports[0]', /invalid ports\[0\]: "8080:0"/);
  t.is(parsePublishFlag('8080:80', 'ports[0]').length, 1);
});

test('toPortBindings builds the request body a client sends', (t) => {
  const body = toPortBindings([...parsePublishFlag('127.0.0.1:8080:80'), ...parsePublishFlag('53/udp'), ...parsePublishFlag('8081:80')]);
  t.deepEqual(body, {
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    PortBindings: {
      '80/tcp': [
        { HostIp: '127.0.0.1', HostPort: '8080' },
        { HostIp: '', HostPort: '8081' },
      ],
      '53/udp': [{ HostIp: '', HostPort: '' }],
    },
  });
  // Round trip: what the CLI sends, the daemon parses back to the same mappings.
  t.deepEqual(parsePortBindings(body.PortBindings, body.ExposedPorts), [
    { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' },
    { hostIp: '0.0.0.0', hostPort: 8081, containerPort: 80, proto: 'tcp' },
    { hostIp: '0.0.0.0', hostPort: 0, containerPort: 53, proto: 'udp' },
  ]);
});

test('inspect and ps shapes from published ports', (t) => {
  const pub: PublishedPort[] = [
    { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp', containerIp: '10.1.2.3' },
    { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 80, proto: 'tcp', containerIp: '10.1.2.3' },
    { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, proto: 'udp', containerIp: '10.1.2.3' },
  ];
  t.deepEqual(toInspectPorts(pub, ['80/tcp', '443/tcp']), {
    '80/tcp': [
      { HostIp: '0.0.0.0', HostPort: '8080' },
      { HostIp: '127.0.0.1', HostPort: '8081' },
    ],
    '443/tcp': null,
    '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
  });
  t.deepEqual(toPortSummaries(pub, ['80/tcp', '443/tcp', '443/tcp']), [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8081, Type: 'tcp' },
    { IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
    { PrivatePort: 443, Type: 'tcp' },
  ]);
  t.deepEqual(toInspectPorts([]), {});
  t.deepEqual(toPortSummaries([]), []);
});
