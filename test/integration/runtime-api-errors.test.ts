// Docker-style errors from a real daemon: bad input is a 4xx whose {"message"} names the
// field or thing, and after each one the daemon is still up and the containers it had are
// untouched.
import test from 'ava';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rawRequest, runToExit, startContainer } from '../helpers/wait.js';

let d: TestDaemon;
let running: string;
let runningPid: number;
let exited: string;
const NAME = () => `taken-${d.id}`;

test.before(async () => {
  d = await startDaemon();
  running = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'] }, NAME());
  runningPid = (await d.client.inspectContainer(running)).State.Pid;
  exited = (await runToExit(d.client, { Image: 'busybox', Cmd: ['sh', '-c', 'exit 5'] })).id;
});
test.after.always(async () => {
  await d?.stop();
});
test.afterEach.always((t) => {
  if (!t.passed && d) t.log(`boxifyd output (last 3000 chars):\n${d.output().slice(-3000)}`);
});

/** The daemon answers and the two containers made in `before` are as they were. */
async function intact(t: { is(a: unknown, b: unknown, m?: string): void; true(a: boolean, m?: string): void }, after: string) {
  const ping = await rawRequest(d.socket, 'GET', '/_ping');
  t.is(ping.status, 200, `daemon answers /_ping after ${after}`);
  const r = await d.client.inspectContainer(running);
  t.true(r.State.Running && r.State.Pid === runningPid, `the running container is untouched after ${after}`);
  const e = await d.client.inspectContainer(exited);
  t.true(e.State.Status === 'exited' && e.State.ExitCode === 5, `the exited container is untouched after ${after}`);
}

const create = (body: unknown, query = '') => rawRequest(d.socket, 'POST', `/containers/create${query}`, JSON.stringify(body));

const badCreates: [string, unknown, string, RegExp][] = [
  ['Memory "abc"', { Image: 'busybox', Cmd: ['true'], HostConfig: { Memory: 'abc' } }, '', /Memory/],
  ['Memory below 6 MB', { Image: 'busybox', Cmd: ['true'], HostConfig: { Memory: 1024 } }, '', /Memory/],
  ['Env ["=x"]', { Image: 'busybox', Cmd: ['true'], Env: ['=x'] }, '', /Env/],
  ['Env not a list of strings', { Image: 'busybox', Cmd: ['true'], Env: [1] }, '', /Env/],
  ['name "a b"', { Image: 'busybox', Cmd: ['true'] }, '?name=a%20b', /name/],
  ['Cmd a number', { Image: 'busybox', Cmd: 7 }, '', /Cmd/],
  ['NanoCpus a string', { Image: 'busybox', Cmd: ['true'], HostConfig: { NanoCpus: 'lots' } }, '', /NanoCpus/],
  ['PidsLimit a string', { Image: 'busybox', Cmd: ['true'], HostConfig: { PidsLimit: 'x' } }, '', /PidsLimit/],
  ['NetworkMode "host"', { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'host' } }, '', /NetworkMode/],
  ['Hostname "-bad-"', { Image: 'busybox', Cmd: ['true'], Hostname: '-bad-' }, '', /Hostname/],
  ['WorkingDir relative', { Image: 'busybox', Cmd: ['true'], WorkingDir: 'tmp' }, '', /WorkingDir/],
  ['StopSignal unknown', { Image: 'busybox', Cmd: ['true'], StopSignal: 'SIGNOPE' }, '', /StopSignal/],
];

for (const [what, body, query, field] of badCreates) {
  test(`create with ${what} is a 400 naming the field`, async (t) => {
    // A label marks this request's container, should one be made by mistake.
    const r = await create({ ...(body as object), Labels: { 'boxify.test': what } }, query);
    t.is(r.status, 400, r.body);
    t.regex(r.message, field);
    const made = (await d.client.listContainers({ all: true })).filter((c) => c.Labels?.['boxify.test'] === what);
    t.deepEqual(made.map((c) => c.Id), [], 'no container was made');
    await intact(t, what);
  });
}

test('create with an unknown image is a 404 "No such image"', async (t) => {
  const r = await create({ Image: 'no-such-image-here:1', Cmd: ['true'] });
  t.is(r.status, 404, r.body);
  t.regex(r.message, /No such image: no-such-image-here:1/);
  await intact(t, 'unknown image');
});

test('create with a name in use is a 409 naming the name and its holder', async (t) => {
  const r = await create({ Image: 'busybox', Cmd: ['true'] }, `?name=${NAME()}`);
  t.is(r.status, 409, r.body);
  t.regex(r.message, new RegExp(`"/${NAME()}" is already in use by container "${running}"`));
  await intact(t, 'name in use');
});

test('an invalid JSON body is a 400', async (t) => {
  const r = await rawRequest(d.socket, 'POST', '/containers/create', '{"Image": "busybox", ');
  t.is(r.status, 400, r.body);
  t.regex(r.message, /JSON/i);
  const arr = await rawRequest(d.socket, 'POST', '/containers/create', '["busybox"]');
  t.is(arr.status, 400, arr.body);
  await intact(t, 'invalid JSON');
});

test('an API version above ours is a 400 "too new"; ours and older work', async (t) => {
  const r = await rawRequest(d.socket, 'GET', '/v1.99/containers/json');
  t.is(r.status, 400, r.body);
  t.regex(r.message, /client version 1\.99 is too new/);
  t.is((await rawRequest(d.socket, 'GET', '/v1.41/containers/json')).status, 200);
  t.is((await rawRequest(d.socket, 'GET', '/v1.44/version')).status, 200);
  await intact(t, 'version too new');
});

test('removing a running container without force is a 409', async (t) => {
  const r = await rawRequest(d.socket, 'DELETE', `/containers/${running}`);
  t.is(r.status, 409, r.body);
  t.regex(r.message, /cannot remove a running container/);
  await intact(t, 'remove without force');
});

test('killing a stopped container is a 409 "is not running"', async (t) => {
  const r = await rawRequest(d.socket, 'POST', `/containers/${exited}/kill`);
  t.is(r.status, 409, r.body);
  t.regex(r.message, new RegExp(`Container ${exited} is not running`));
  await intact(t, 'kill stopped');
});

test('every container route answers 404 "No such container" for an unknown one', async (t) => {
  const routes: [string, string][] = [
    ['GET', '/containers/nosuch/json'],
    ['POST', '/containers/nosuch/start'],
    ['POST', '/containers/nosuch/stop'],
    ['POST', '/containers/nosuch/kill'],
    ['POST', '/containers/nosuch/restart'],
    ['POST', '/containers/nosuch/wait'],
    ['GET', '/containers/nosuch/logs?stdout=1'],
    ['GET', '/containers/nosuch/stats?stream=0'],
    ['DELETE', '/containers/nosuch'],
    ['POST', '/containers/nosuch/exec'],
  ];
  for (const [method, path] of routes) {
    const r = await rawRequest(d.socket, method, path, method === 'POST' && path.endsWith('/exec') ? '{"Cmd":["true"]}' : undefined);
    t.is(r.status, 404, `${method} ${path}: ${r.body}`);
    t.regex(r.message, /No such container: nosuch/, `${method} ${path}`);
  }
  await intact(t, 'unknown container');
});

test('an unknown exec instance is a 404', async (t) => {
  const r = await rawRequest(d.socket, 'GET', '/exec/0123456789abcdef/json');
  t.is(r.status, 404, r.body);
  t.regex(r.message, /No such exec instance/);
  await intact(t, 'unknown exec');
});

test('a command that does not exist fails to start with an error naming it', async (t) => {
  const { Id } = await d.client.createContainer({ Image: 'busybox', Cmd: ['/no/such-command-here'] });
  t.teardown(() => d.client.removeContainer(Id, { force: true }).catch(() => undefined));
  const r = await rawRequest(d.socket, 'POST', `/containers/${Id}/start`);
  t.true(r.status >= 400, `start answered ${r.status}: ${r.body}`);
  t.regex(r.message, /such-command-here/);
  const s = (await d.client.inspectContainer(Id)).State;
  t.false(s.Running);
  await intact(t, 'missing command');
});

test('an unknown route is a 404 and a wrong method is a 4xx, both as {"message"}', async (t) => {
  const r = await rawRequest(d.socket, 'GET', '/no/such/route');
  t.is(r.status, 404, r.body);
  t.truthy(r.message);
  const m = await rawRequest(d.socket, 'DELETE', '/_ping');
  t.true(m.status >= 400 && m.status < 500, `${m.status} ${m.body}`);
  t.truthy(m.message);
  await intact(t, 'unknown route');
});
