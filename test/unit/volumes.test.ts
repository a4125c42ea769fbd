import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BoxifyError } from '../../src/core/errors.js';
import { ANONYMOUS_LABEL, VolumeStore, resolveBinds, resolveContainerMounts, resolveMounts, toMountPoints } from '../../src/core/volumes/index.js';
import { Router } from '../../src/daemon/router.js';
import { registerVolumeRoutes } from '../../src/daemon/routes/volumes.js';

/** A state root with a volume store in it, and a host directory outside it to bind. */
function setup(t: ExecutionContext) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-vol-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const stateRoot = path.join(base, 'state');
  const hostDir = path.join(base, 'host');
  fs.mkdirSync(hostDir, { recursive: true });
  return { base, stateRoot, hostDir, volumes: new VolumeStore(path.join(stateRoot, 'volumes')) };
}

function throwsStatus(t: ExecutionContext, fn: () => unknown, status: number, re: RegExp, field?: string): void {
  const err = t.throws(fn, { instanceOf: BoxifyError });
  t.is(err?.status, status);
  t.regex(err!.message, re);
  if (field !== undefined) t.is(err?.field, field);
}

test('VolumeStore: create, inspect, list, idempotent create, remove', (t) => {
  const { volumes, stateRoot } = setup(t);
  const v = volumes.create('data', { app: 'web' });
  t.like(v, { Name: 'data', Driver: 'local', Scope: 'local', Labels: { app: 'web' }, Options: {} });
  t.is(v.Mountpoint, path.join(stateRoot, 'volumes', 'data', '_data'));
  t.true(fs.statSync(v.Mountpoint).isDirectory());
  t.false(Number.isNaN(Date.parse(v.CreatedAt)));
  fs.writeFileSync(path.join(v.Mountpoint, 'keep'), 'x');
  // Creating again returns the same volume and keeps its data.
  t.deepEqual(volumes.create('data'), v);
  t.true(fs.existsSync(path.join(v.Mountpoint, 'keep')));
  const anon = volumes.create();
  t.regex(anon.Name, /^[0-9a-f]{64}$/);
  t.deepEqual(volumes.list().map((x) => x.Name).sort(), ['data', anon.Name].sort());
  // A fresh store on the same root sees the same volumes (metadata on disk).
  t.deepEqual(new VolumeStore(volumes.root).inspect('data'), v);
  volumes.remove('data');
  t.false(fs.existsSync(path.join(volumes.root, 'data')));
  t.deepEqual(volumes.list().map((x) => x.Name), [anon.Name]);
});

test('VolumeStore: errors are 400/404/409 with Docker wording', (t) => {
  const { volumes } = setup(t);
  for (const bad of ['a', '-x', '.hidden', 'a/b', '../up', 'sp ace', 'é']) throwsStatus(t, () => volumes.create(bad), 400, /not a valid volume name/, 'Name');
  throwsStatus(t, () => volumes.create('ok', { n: 1 } as unknown as Record<string, string>), 400, /Labels/, 'Labels');
  throwsStatus(t, () => volumes.inspect('nope'), 404, /^get nope: no such volume$/);
  throwsStatus(t, () => volumes.inspect('../..'), 404, /no such volume/);
  throwsStatus(t, () => volumes.remove('nope'), 404, /^get nope: no such volume$/);
  t.notThrows(() => volumes.remove('nope', { force: true }));
  volumes.create('busy');
  throwsStatus(t, () => volumes.remove('busy', { inUse: true }), 409, /remove busy: volume is in use/);
  throwsStatus(t, () => volumes.remove('busy', { inUse: true, force: true }), 409, /in use/);
  t.true(volumes.exists('busy'));
});

test('VolumeStore: a volume directory without metadata (crash after mkdir) is still a volume; recover clears interrupted removes', (t) => {
  const { volumes } = setup(t);
  fs.mkdirSync(path.join(volumes.root, 'orphan', '_data'), { recursive: true });
  fs.mkdirSync(path.join(volumes.root, '.removing-x-1234', '_data'), { recursive: true });
  t.like(volumes.inspect('orphan'), { Name: 'orphan', Labels: {} });
  t.deepEqual(volumes.list().map((v) => v.Name), ['orphan']);
  volumes.recover();
  t.false(fs.existsSync(path.join(volumes.root, '.removing-x-1234')));
  t.true(volumes.exists('orphan'));
});

test('VolumeStore.prune: anonymous unused by default, every unused one with all, label filters', (t) => {
  const { volumes } = setup(t);
  const anonUsed = volumes.create(undefined, { [ANONYMOUS_LABEL]: '' });
  const anonFree = volumes.create(undefined, { [ANONYMOUS_LABEL]: '' });
  fs.writeFileSync(path.join(anonFree.Mountpoint, 'f'), Buffer.alloc(1000));
  volumes.create('named');
  volumes.create('keepme', { keep: 'yes' });
  const inUse = (n: string) => n === anonUsed.Name;
  // The metadata file next to _data counts too.
  const metaSize = fs.statSync(path.join(path.dirname(anonFree.Mountpoint), 'volume.json')).size;
  t.deepEqual(volumes.prune(inUse), { VolumesDeleted: [anonFree.Name], SpaceReclaimed: 1000 + metaSize });
  t.deepEqual(volumes.prune(inUse, { all: true, labels: ['!nothing'] }).VolumesDeleted, []);
  t.deepEqual(volumes.prune(inUse, { all: true, labels: ['keep=yes'] }).VolumesDeleted, ['keepme']);
  t.deepEqual(volumes.prune(inUse, { all: true }).VolumesDeleted, ['named']);
  t.deepEqual(volumes.list().map((v) => v.Name), [anonUsed.Name]);
});

test('resolveBinds: host binds, named volumes (auto-created), anonymous volumes, modes', (t) => {
  const { volumes, hostDir } = setup(t);
  const r = resolveBinds([`${hostDir}:/data:ro`, `${hostDir}/:/rw/`, 'cache:/var/cache', 'logs:/logs:ro,z', '/anon'], volumes);
  t.deepEqual(r.mounts.slice(0, 2), [
    { type: 'bind', source: hostDir, target: '/data', readonly: true, mode: 'ro' },
    { type: 'bind', source: hostDir + '/', target: '/rw', readonly: false, mode: '' },
  ]);
  t.deepEqual(r.mounts[2], { type: 'bind', source: volumes.mountpoint('cache'), target: '/var/cache', readonly: false, mode: '', volume: 'cache' });
  t.deepEqual(r.mounts[3], { type: 'bind', source: volumes.mountpoint('logs'), target: '/logs', readonly: true, mode: 'ro,z', volume: 'logs' });
  t.is(r.mounts[4]!.target, '/anon');
  t.is(r.anonymousVolumes.length, 1);
  t.deepEqual(r.volumesUsed, ['cache', 'logs', r.anonymousVolumes[0]]);
  t.true(volumes.exists('cache') && volumes.exists('logs'));
  t.true(ANONYMOUS_LABEL in volumes.inspect(r.anonymousVolumes[0]!).Labels);
  t.deepEqual(resolveBinds(null, volumes), { mounts: [], volumesUsed: [], anonymousVolumes: [] });
  t.deepEqual(toMountPoints(r.mounts.slice(0, 3)), [
    { Type: 'bind', Source: hostDir, Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'bind', Source: hostDir + '/', Destination: '/rw', Mode: '', RW: true, Propagation: 'rprivate' },
    { Type: 'volume', Name: 'cache', Source: volumes.mountpoint('cache'), Destination: '/var/cache', Mode: 'z', RW: true, Propagation: '' },
  ]);
});

test('resolveBinds: bad binds are 400s naming HostConfig.Binds, and leave no anonymous volume behind', (t) => {
  const { volumes, hostDir, stateRoot } = setup(t);
  const f = 'HostConfig.Binds';
  const cases: Array<[unknown, RegExp]> = [
    ['/a:/b:/c:/d', /too many ":"/],
    [':/data', /source before ":" is empty/],
    ['./rel:/data', /host path "\.\/rel" must be absolute .*relative paths are not allowed/],
    ['rel/dir:/data', /host path "rel\/dir" must be absolute/],
    ['~/dir:/data', /must be absolute/],
    ['x:/data', /"x" is neither an absolute host path nor a valid volume name/],
    [`${hostDir}/missing:/data`, /does not exist: create it first/],
    [`${hostDir}:data`, /container path "data" must be absolute/],
    [`${hostDir}:/data/../../etc`, /must not contain "\.\."/],
    [`${hostDir}:/`, /cannot be "\/"/],
    [`${hostDir}:/data:rx`, /unknown mode "rx"/],
    [`${hostDir}:/data:ro,rw`, /both ro and rw/],
    [`${stateRoot}:/state`, /inside Boxify's state root/],
    [`${stateRoot}/volumes:/v`, /inside Boxify's state root/],
    [`${hostDir}:/data`, /duplicate mount point \/data/],
    [42, /list of strings/],
  ];
  for (const [bad, re] of cases) {
    const binds = bad === `${hostDir}:/data` ? ['/x', bad, bad] : ['/x', bad];
    const before = volumes.list().length;
    throwsStatus(t, () => resolveBinds(binds, volumes), 400, re, f);
    t.is(volumes.list().length, before, `anonymous volume removed after "${String(bad)}"`);
  }
  throwsStatus(t, () => resolveBinds('/a:/b', volumes), 400, /must be a list/, f);
  // A symlink pointing into the state root is refused too.
  fs.symlinkSync(stateRoot, path.join(hostDir, 'link'));
  throwsStatus(t, () => resolveBinds([`${hostDir}/link:/x`], volumes), 400, /inside Boxify's state root/, f);
});

test('resolveMounts: HostConfig.Mounts bind, volume, tmpfs, and their errors', (t) => {
  const { volumes, hostDir } = setup(t);
  const r = resolveMounts(
    [
      { Type: 'bind', Source: hostDir, Target: '/h', ReadOnly: true },
      { Type: 'volume', Source: 'named', Target: '/n', VolumeOptions: { Labels: { a: 'b' } } },
      { Type: 'volume', Target: '/anon' },
      { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 65536, Mode: 0o1777 } },
      { Type: 'tmpfs', Target: '/run' },
    ],
    volumes,
  );
  t.deepEqual(r.mounts[0], { type: 'bind', source: hostDir, target: '/h', readonly: true, mode: 'ro' });
  t.deepEqual(r.mounts[1], { type: 'bind', source: volumes.mountpoint('named'), target: '/n', readonly: false, mode: '', volume: 'named' });
  t.deepEqual(volumes.inspect('named').Labels, { a: 'b' });
  t.is(r.anonymousVolumes.length, 1);
  t.deepEqual(r.mounts[3], { type: 'tmpfs', source: 'tmpfs', target: '/tmp', readonly: false, mode: '', data: 'size=65536,mode=1777' });
  t.is(r.mounts[4]!.data, 'mode=1777');
  const f0 = 'HostConfig.Mounts[0]';
  const cases: Array<[unknown, RegExp]> = [
    [{ Type: 'nfs', Target: '/x' }, /Type "nfs" is not supported/],
    [{ Type: 'bind', Target: '/x' }, /needs Source/],
    [{ Type: 'bind', Source: 'rel', Target: '/x' }, /must be absolute/],
    [{ Type: 'bind', Source: hostDir }, /container path is missing/],
    [{ Type: 'bind', Source: hostDir, Target: '../x' }, /must be absolute/],
    [{ Type: 'bind', Source: hostDir, Target: '/x', ReadOnly: 'yes' }, /ReadOnly must be true or false/],
    [{ Type: 'volume', Source: 'bad name', Target: '/x' }, /not a valid volume name|neither/],
    [{ Type: 'tmpfs', Source: 'x', Target: '/x' }, /takes no Source/],
    [{ Type: 'tmpfs', Target: '/x', TmpfsOptions: { SizeBytes: -1 } }, /SizeBytes/],
    [{ Type: 'tmpfs', Target: '/x', TmpfsOptions: { Mode: '1777' } }, /Mode/],
    ['bind', /must be an object/],
  ];
  for (const [bad, re] of cases) throwsStatus(t, () => resolveMounts([bad], volumes), 400, re, f0);
  throwsStatus(t, () => resolveMounts({}, volumes), 400, /must be a list/, 'HostConfig.Mounts');
  // Binds and Mounts share one set of container paths.
  throwsStatus(
    t,
    () => resolveContainerMounts({ Binds: [`${hostDir}:/same`], Mounts: [{ Type: 'tmpfs', Target: '/same/' }] }, volumes),
    400,
    /duplicate mount point \/same/,
    'HostConfig.Mounts[0]',
  );
});

// ------------------------------------------------------------- routes, without a socket

async function call(router: Router, method: string, url: string, body: unknown = {}) {
  const u = new URL(url, 'http://x');
  const m = router.match(method, u.pathname);
  try {
    const out = await m.handler({
      req: {} as never,
      params: m.params,
      query: u.searchParams,
      json: async <T>() => body as T,
      apiVersion: m.apiVersion,
    });
    const r = out as { status?: number; body?: unknown };
    return out && typeof out === 'object' && 'status' in out && typeof r.status === 'number' && out.constructor.name === 'Reply'
      ? { status: r.status, body: r.body }
      : { status: 200, body: out };
  } catch (err) {
    const e = err as BoxifyError;
    return { status: e.status, body: { message: e.message } };
  }
}

test('volume routes: create, list with filters, inspect, delete, prune', async (t) => {
  const { volumes } = setup(t);
  const used = new Set<string>();
  const router = new Router();
  registerVolumeRoutes(router, { volumes, volumeInUse: (n) => used.has(n) });

  const created = await call(router, 'POST', '/v1.44/volumes/create', { Name: 'web', Labels: { tier: 'front' } });
  t.is(created.status, 201);
  t.like(created.body, { Name: 'web', Driver: 'local', Labels: { tier: 'front' } });
  const anon = await call(router, 'POST', '/volumes/create', {});
  t.is(anon.status, 201);
  t.regex((anon.body as { Name: string }).Name, /^[0-9a-f]{64}$/);
  t.is((await call(router, 'POST', '/volumes/create', { Name: 'x y' })).status, 400);
  t.is((await call(router, 'POST', '/volumes/create', { Name: 5 })).status, 400);
  t.regex(JSON.stringify((await call(router, 'POST', '/volumes/create', { Name: 'v2', Driver: 'nfs' })).body), /only \\"local\\"/);
  t.is((await call(router, 'POST', '/volumes/create', { Name: 'v2', DriverOpts: { type: 'tmpfs' } })).status, 400);

  const list = await call(router, 'GET', '/volumes');
  t.is(list.status, 200);
  t.deepEqual((list.body as { Warnings: unknown[] }).Warnings, []);
  t.is((list.body as { Volumes: unknown[] }).Volumes.length, 2);
  const names = async (filters: object) =>
    ((await call(router, 'GET', `/volumes?filters=${encodeURIComponent(JSON.stringify(filters))}`)).body as { Volumes: { Name: string }[] }).Volumes.map((v) => v.Name);
  t.deepEqual(await names({ name: ['we'] }), ['web']);
  t.deepEqual(await names({ label: ['tier=front'] }), ['web']);
  used.add('web');
  t.deepEqual(await names({ dangling: ['true'] }), [(anon.body as { Name: string }).Name]);
  t.deepEqual(await names({ dangling: ['false'] }), ['web']);
  t.is((await call(router, 'GET', '/volumes?filters=' + encodeURIComponent('{"bogus":["1"]}'))).status, 400);

  t.like((await call(router, 'GET', '/v1.44/volumes/web')).body, { Name: 'web', Scope: 'local' });
  t.deepEqual(await call(router, 'GET', '/volumes/nope'), { status: 404, body: { message: 'get nope: no such volume' } });

  t.is((await call(router, 'DELETE', '/volumes/web')).status, 409);
  t.is((await call(router, 'DELETE', '/volumes/web?force=1')).status, 409);
  t.is((await call(router, 'DELETE', '/volumes/nope')).status, 404);
  t.is((await call(router, 'DELETE', '/volumes/nope?force=true')).status, 204);
  used.delete('web');
  t.is((await call(router, 'DELETE', '/volumes/web')).status, 204);
  t.false(volumes.exists('web'));

  volumes.create('named');
  // Default prune: anonymous volumes only (this one was created with no name through the API,
  // so it is not anonymous in Docker's sense and stays).
  t.deepEqual((await call(router, 'POST', '/volumes/prune')).body, { VolumesDeleted: [], SpaceReclaimed: 0 });
  const pruned = await call(router, 'POST', '/volumes/prune?filters=' + encodeURIComponent('{"all":["true"]}'));
  t.is(pruned.status, 200);
  t.deepEqual((pruned.body as { VolumesDeleted: string[] }).VolumesDeleted.sort(), [(anon.body as { Name: string }).Name, 'named'].sort());
  t.deepEqual(volumes.list(), []);
});
