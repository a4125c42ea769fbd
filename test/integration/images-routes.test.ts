// The /images API over a real HTTP server on a Unix socket: list, inspect, tag, delete (409
// in use), load (body stream), create with fromSrc=- (import) and fromImage (pull from a
// loopback registry, NDJSON progress, an error after the 200 in the stream).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { ImageStore } from '../../src/core/images/store.js';
import { Router } from '../../src/daemon/router.js';
import { createApiServer } from '../../src/daemon/server.js';
import { registerImageRoutes } from '../../src/daemon/routes/images.js';
import { buildImage, dockerSaveTar, gzip, makeTar, tmpDir, writeOciLayout } from './images-fixtures.js';
import { push, startFaultyProxy, startRegistry, type Registry } from './images-registry-fixture.js';

const base = tmpDir('bxt-imgapi');
const sock = path.join(base, 'api.sock');
const store = new ImageStore(path.join(base, 'images'));
const used = new Set<string>();
let server: http.Server;
let registry: Registry;
const img = buildImage(
  [{ entries: [{ name: 'etc/hi', data: 'hi' }] }, { entries: [{ name: 'etc/.wh.hi', data: '' }, { name: 'bin/x', data: 'x' }] }],
  { Cmd: ['/bin/x'], Env: ['A=1'] },
);

test.before(async () => {
  store.init();
  const router = new Router();
  registerImageRoutes(router, { images: store, imageInUse: (id) => (used.has(id) ? 'feedfacefeedface' : false) });
  server = createApiServer(router, () => {});
  await new Promise<void>((r) => server.listen(sock, r));
  registry = await startRegistry(path.join(base, 'registry'));
  const dir = path.join(base, 'oci');
  writeOciLayout(dir, [{ img, tag: 'v1' }]);
  await push(dir, 'v1', `${registry.host}/api/img:v1`);
});

test.after.always(async () => {
  await registry?.stop();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  fs.rmSync(base, { recursive: true, force: true });
});

function call(method: string, p: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: () => any; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: sock, method, path: p, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text), type: String(res.headers['content-type'] ?? '') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l));

test.serial('load a docker-save body, list, inspect, tag, delete', async (t) => {
  const r = await call('POST', '/v1.44/images/load?quiet=0', dockerSaveTar(img, ['api/loaded:1']), { 'Content-Type': 'application/x-tar' });
  t.is(r.status, 200);
  t.deepEqual(lines(r.text), [{ stream: 'Loaded image: api/loaded:1\n' }]);

  const list = (await call('GET', '/images/json')).json();
  t.like(list[0], { Id: img.configDigest, RepoTags: ['api/loaded:1'], ParentId: '', SharedSize: -1, Containers: -1 });
  t.true(list[0].Size > 0);

  const insp = await call('GET', '/images/api/loaded:1/json');
  t.is(insp.status, 200);
  t.like(insp.json(), { Id: img.configDigest, Os: 'linux', Architecture: 'amd64', RootFS: { Type: 'layers', Layers: img.layers.map((l) => l.diffId) }, Config: { Cmd: ['/bin/x'], Env: ['A=1'] } });
  t.is((await call('GET', `/images/${img.configDigest.slice(7, 19)}/json`)).json().Id, img.configDigest);
  const missing = await call('GET', '/images/api/nope:1/json');
  t.is(missing.status, 404);
  t.deepEqual(missing.json(), { message: 'No such image: api/nope:1' });
  const badRef = await call('GET', '/images/Bad:1/json');
  t.is(badRef.status, 400);

  t.is((await call('POST', '/images/api/loaded:1/tag?repo=api/other&tag=2')).status, 201);
  used.add(img.configDigest);
  const refused = await call('DELETE', '/images/api/other:2');
  t.is(refused.status, 200); // two names: only untagged
  t.deepEqual(refused.json(), [{ Untagged: 'api/other:2' }]);
  const conflict = await call('DELETE', '/images/api/loaded:1');
  t.is(conflict.status, 409);
  t.regex(conflict.json().message, /container feedfacefeed is using its referenced image/);
  used.delete(img.configDigest);
  const del = await call('DELETE', '/images/api/loaded:1');
  t.deepEqual(del.json(), [{ Untagged: 'api/loaded:1' }, { Deleted: img.configDigest }]);
  t.deepEqual((await call('GET', '/images/json')).json(), []);
});

test.serial('a bad load body is a 400 and registers nothing', async (t) => {
  const r = await call('POST', '/images/load', makeTar([{ name: 'x', data: 'y' }]));
  t.is(r.status, 400);
  t.regex(r.json().message, /neither manifest.json/);
  t.deepEqual(store.list(), []);
});

test.serial('create with fromSrc=- imports the body with changes', async (t) => {
  const body = gzip(makeTar([{ name: 'bin/sh', data: 'sh', mode: 0o755 }]));
  const r = await call('POST', `/images/create?fromSrc=-&repo=imported&tag=t1&changes=${encodeURIComponent('CMD ["/bin/sh"]')}&changes=${encodeURIComponent('ENV X=1')}`, body);
  t.is(r.status, 200);
  const [msg] = lines(r.text);
  t.regex(msg.status, /^sha256:[a-f0-9]{64}$/);
  t.like(store.resolve('imported:t1'), { id: msg.status, config: { Cmd: ['/bin/sh'], Env: ['X=1'] } });
});

test.serial('create with fromImage pulls with NDJSON progress; errors before and after the 200', async (t) => {
  const r = await call('POST', `/images/create?fromImage=${registry.host}/api/img&tag=v1`);
  t.is(r.status, 200);
  t.regex(r.type, /application\/json/);
  const msgs = lines(r.text);
  t.like(msgs[0], { status: 'Pulling from api/img', id: 'v1' });
  t.true(msgs.some((m) => m.status === 'Pull complete'));
  t.is(msgs.at(-1).status, `Status: Downloaded newer image for ${registry.host}/api/img:v1`);
  t.is(store.resolve(`${registry.host}/api/img:v1`).id, img.configDigest);

  // Unknown tag: a plain 404 before any streaming.
  const nf = await call('POST', `/images/create?fromImage=${registry.host}/api/img&tag=nope`);
  t.is(nf.status, 404);
  t.regex(nf.json().message, /registry answered 404/);
  t.is((await call('POST', '/images/create?fromImage=BAD')).status, 400);

  // A layer the registry fails to send: the 200 is out, so the error is the stream's last message.
  store.remove(`${registry.host}/api/img:v1`, { force: false, inUse: () => false });
  const proxy = await startFaultyProxy(registry.host, img.layers[1]!.digest, '500');
  t.teardown(() => proxy.close());
  const bad = await call('POST', `/images/create?fromImage=${proxy.host}/api/img&tag=v1`);
  t.is(bad.status, 200);
  const last = lines(bad.text).at(-1);
  t.regex(last.error, /registry answered 500/);
  t.is(last.errorDetail.message, last.error);
  t.is(store.find(`${proxy.host}/api/img:v1`), undefined);
});
