// The volume API served over a real Unix socket by the daemon's HTTP server, driven by plain
// HTTP requests and by the real docker CLI (`docker volume create/ls/inspect/rm/prune`); plus
// the bind rules a container create goes through.
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BoxifyError } from '../../src/core/errors.js';
import { VolumeStore, resolveContainerMounts } from '../../src/core/volumes/index.js';
import { Router, reply } from '../../src/daemon/router.js';
import { registerVolumeRoutes } from '../../src/daemon/routes/volumes.js';
import { commonHeaders, createApiServer } from '../../src/daemon/server.js';

const DOCKER = '/usr/local/bin/docker';
const execFileP = promisify(execFile);

interface Served {
  socket: string;
  stateRoot: string;
  volumes: VolumeStore;
  used: Set<string>;
  hostDir: string;
}

async function serve(t: ExecutionContext): Promise<Served> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-volumes-'));
  const stateRoot = path.join(base, 'state');
  const hostDir = path.join(base, 'host');
  fs.mkdirSync(hostDir);
  const volumes = new VolumeStore(path.join(stateRoot, 'volumes'));
  const used = new Set<string>();
  const router = new Router();
  // The two calls the docker CLI makes before any other.
  router.get('/_ping', (ctx) => {
    ctx.res!.writeHead(200, { ...commonHeaders(), 'Content-Type': 'text/plain' });
    ctx.res!.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
  });
  router.get('/version', () => reply(200, { Version: '0.1.0', ApiVersion: '1.44', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64' }));
  registerVolumeRoutes(router, { volumes, volumeInUse: (n) => used.has(n) });
  const socket = path.join(base, 'api.sock');
  const server = createApiServer(router, () => undefined);
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(base, { recursive: true, force: true });
  });
  return { socket, stateRoot, volumes, used, hostDir };
}

function request(socket: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { socketPath: socket, method, path: url, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function docker(s: Served, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(DOCKER, args, { env: { ...process.env, DOCKER_HOST: `unix://${s.socket}`, DOCKER_CONFIG: path.join(s.stateRoot, '..', 'docker-config') } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('HTTP: create (201), list, inspect, in-use refusal (409), delete (204), missing (404), prune', async (t) => {
  const s = await serve(t);
  const c = await request(s.socket, 'POST', '/v1.44/volumes/create', { Name: 'data', Labels: { app: 'db' } });
  t.is(c.status, 201);
  t.like(c.json, { Name: 'data', Driver: 'local', Scope: 'local', Labels: { app: 'db' }, Options: {}, Mountpoint: path.join(s.stateRoot, 'volumes', 'data', '_data') });
  t.true(fs.statSync(path.join(s.stateRoot, 'volumes', 'data', '_data')).isDirectory());
  const bad = await request(s.socket, 'POST', '/volumes/create', { Name: '/etc' });
  t.is(bad.status, 400);
  t.regex((bad.json as { message: string }).message, /invalid Name: "\/etc" is not a valid volume name/);
  t.is((await request(s.socket, 'POST', '/volumes/create', { Name: 'x', Labels: 'no' })).status, 400);
  const list = await request(s.socket, 'GET', '/volumes');
  t.is(list.status, 200);
  t.deepEqual((list.json as { Volumes: { Name: string }[] }).Volumes.map((v) => v.Name), ['data']);
  t.deepEqual((list.json as { Warnings: unknown[] }).Warnings, []);
  t.like((await request(s.socket, 'GET', '/v1.44/volumes/data')).json, { Name: 'data' });
  t.deepEqual(await request(s.socket, 'GET', '/volumes/ghost'), { status: 404, json: { message: 'get ghost: no such volume' } });

  s.used.add('data');
  const busy = await request(s.socket, 'DELETE', '/volumes/data?force=1');
  t.is(busy.status, 409);
  t.regex((busy.json as { message: string }).message, /volume is in use/);
  t.true(s.volumes.exists('data'));
  t.is((await request(s.socket, 'POST', '/volumes/prune?filters=' + encodeURIComponent('{"all":["1"]}'))).status, 200);
  t.true(s.volumes.exists('data'), 'prune leaves a volume in use');
  s.used.delete('data');
  const del = await request(s.socket, 'DELETE', '/volumes/data');
  t.deepEqual(del, { status: 204, json: undefined });
  t.false(fs.existsSync(path.join(s.stateRoot, 'volumes', 'data')));
  t.is((await request(s.socket, 'DELETE', '/volumes/data')).status, 404);
});

test('the docker CLI: volume create, ls, inspect, rm (in use refused), prune', async (t) => {
  if (!fs.existsSync(DOCKER)) {
    t.fail(`${DOCKER} is missing: this test drives the real docker CLI`);
    return;
  }
  const s = await serve(t);
  const name = `vol${randomBytes(3).toString('hex')}`;
  const created = await docker(s, ['volume', 'create', '--label', 'k=v', name]);
  t.is(created.code, 0, created.stderr);
  t.is(created.stdout.trim(), name);
  const anon = await docker(s, ['volume', 'create']);
  t.regex(anon.stdout.trim(), /^[0-9a-f]{64}$/);

  const ls = await docker(s, ['volume', 'ls', '--format', '{{.Driver}} {{.Name}}']);
  t.is(ls.code, 0, ls.stderr);
  t.deepEqual(ls.stdout.trim().split('\n').sort(), [`local ${anon.stdout.trim()}`, `local ${name}`].sort());
  const filtered = await docker(s, ['volume', 'ls', '-q', '--filter', 'label=k=v']);
  t.is(filtered.stdout.trim(), name);

  const insp = await docker(s, ['volume', 'inspect', name]);
  t.is(insp.code, 0, insp.stderr);
  const [v] = JSON.parse(insp.stdout) as { Name: string; Mountpoint: string; Labels: Record<string, string> }[];
  t.is(v!.Name, name);
  t.is(v!.Mountpoint, s.volumes.mountpoint(name));
  t.deepEqual(v!.Labels, { k: 'v' });
  const missing = await docker(s, ['volume', 'inspect', 'nosuchvolume']);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /no such volume/);

  s.used.add(name);
  const rmBusy = await docker(s, ['volume', 'rm', name]);
  t.not(rmBusy.code, 0);
  t.regex(rmBusy.stderr, /volume is in use/);
  s.used.delete(name);
  const rm = await docker(s, ['volume', 'rm', name]);
  t.is(rm.code, 0, rm.stderr);
  t.false(s.volumes.exists(name));

  const prune = await docker(s, ['volume', 'prune', '--all', '--force']);
  t.is(prune.code, 0, prune.stderr);
  t.regex(prune.stdout, new RegExp(anon.stdout.trim()));
  t.deepEqual(s.volumes.list(), []);
});

test('binds at container create: host bind, auto-created named volume, tmpfs; bad binds are 400s', async (t) => {
  const s = await serve(t);
  fs.writeFileSync(path.join(s.hostDir, 'file'), 'from the host');
  const r = resolveContainerMounts({ Binds: [`${s.hostDir}:/data:ro`, 'cache:/cache'], Mounts: [{ Type: 'tmpfs', Target: '/scratch' }] }, s.volumes);
  t.deepEqual(r.volumesUsed, ['cache']);
  t.deepEqual(
    r.mounts.map((m) => [m.type, m.target, m.readonly]),
    [
      ['bind', '/data', true],
      ['bind', '/cache', false],
      ['tmpfs', '/scratch', false],
    ],
  );
  // The auto-created named volume is visible through the API.
  t.like((await request(s.socket, 'GET', '/volumes/cache')).json, { Name: 'cache' });
  const bad = (binds: string[]) => {
    const err = t.throws(() => resolveContainerMounts({ Binds: binds }, s.volumes), { instanceOf: BoxifyError });
    t.is(err?.status, 400);
    t.is(err?.field, 'HostConfig.Binds');
    return err!.message;
  };
  t.regex(bad(['relative/dir:/data']), /must be absolute/);
  t.regex(bad([`${s.hostDir}:/data/../../etc`]), /must not contain "\.\."/);
  t.regex(bad([`${s.stateRoot}/volumes/cache/_data:/x`]), /inside Boxify's state root .*use a named volume/);
  t.regex(bad([`${s.hostDir}/nope:/x`]), /does not exist/);
});
