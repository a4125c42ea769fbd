// The image store on a real filesystem (as root): default image, resolution rules, tags,
// removal rules, the seed rootfs, and crash leftovers.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ImageStore } from '../../src/core/images/store.js';
import { BoxifyError } from '../../src/core/errors.js';
import { busyboxTar, tmpDir } from './images-fixtures.js';

const isRoot = process.getuid?.() === 0;

function newStore(t: { teardown(fn: () => void): void }): ImageStore {
  const root = tmpDir('bxt-images');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new ImageStore(path.join(root, 'images'));
  store.init();
  return store;
}

test('requires root', (t) => {
  if (!isRoot) t.fail('image store tests need root (chown, mknod); run as root');
  else t.pass();
});

test('ensureDefaultImage builds busybox:latest once, and it resolves every way', (t) => {
  const store = newStore(t);
  const img = store.ensureDefaultImage();
  t.regex(img.id, /^sha256:[a-f0-9]{64}$/);
  t.deepEqual(img.repoTags, ['busybox:latest']);
  t.deepEqual(img.config.Cmd, ['sh']);
  const [dir] = store.layerDirs(img);
  t.true(fs.existsSync(path.join(dir!, 'bin/busybox')));
  t.is(fs.readlinkSync(path.join(dir!, 'bin/sh')), '/bin/busybox');
  t.true(img.size > 100_000);

  // Cheap and stable when present.
  const again = store.ensureDefaultImage();
  t.is(again.id, img.id);
  t.is(store.list().length, 1);

  for (const ref of ['busybox', 'busybox:latest', 'docker.io/library/busybox', 'library/busybox:latest', img.id, img.id.slice(7), img.id.slice(7, 19), img.id.slice(0, 15)]) {
    t.is(store.resolve(ref).id, img.id, ref);
  }
  const err = t.throws(() => store.resolve('busybox:nope'), { instanceOf: BoxifyError });
  t.is(err!.status, 404);
  t.is(err!.message, 'No such image: busybox:nope');
  t.is(t.throws(() => store.resolve('Bad/Name'))!.message.includes('"Bad/Name"'), true);
  t.is((t.throws(() => store.resolve('Bad/Name')) as BoxifyError).status, 400);
});

test('tag and remove follow Docker: untag first, refuse in use, force untags only', async (t) => {
  const store = newStore(t);
  const work = tmpDir('bxt-img-work');
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const tarFile = path.join(work, 'rootfs.tar');
  fs.writeFileSync(tarFile, busyboxTar(work));
  const img = await store.importTarball(tarFile, 'myimg:1');
  t.deepEqual(store.tag('myimg:1', 'localhost:5000/other:x').repoTags, ['localhost:5000/other:x', 'myimg:1']);

  // By id with two names: refused without force.
  const multi = t.throws(() => store.remove(img.id.slice(7, 19), { force: false, inUse: () => false }), { instanceOf: BoxifyError });
  t.is(multi!.status, 409);
  t.regex(multi!.message, /referenced in multiple repositories/);

  // By name with two names: only that name goes.
  t.deepEqual(store.remove('myimg:1', { force: false, inUse: () => false }), [{ Untagged: 'myimg:1' }]);
  t.deepEqual(store.resolve(img.id).repoTags, ['localhost:5000/other:x']);

  // In use: refused, naming the container; forced: untagged, image and layer kept.
  const inUse = t.throws(() => store.remove('localhost:5000/other:x', { force: false, inUse: () => 'c0ffee00c0ffee00' }), { instanceOf: BoxifyError });
  t.is(inUse!.status, 409);
  t.regex(inUse!.message, /container c0ffee00c0ff is using its referenced image/);
  t.deepEqual(store.remove('localhost:5000/other:x', { force: true, inUse: () => true }), [{ Untagged: 'localhost:5000/other:x' }]);
  t.deepEqual(store.resolve(img.id).repoTags, []);
  t.true(fs.existsSync(store.layerDirs(img)[0]!));

  // Not in use any more: deleted with its layer.
  t.deepEqual(store.remove(img.id, { force: false, inUse: () => false }), [{ Deleted: img.id }]);
  t.deepEqual(fs.readdirSync(store.layersDir), []);
  t.deepEqual(store.list(), []);
});

test('two images share one extracted layer; removing one keeps it', async (t) => {
  const store = newStore(t);
  const work = tmpDir('bxt-img-work');
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const tarFile = path.join(work, 'rootfs.tar');
  fs.writeFileSync(tarFile, busyboxTar(work));
  const a = await store.importTarball(tarFile, 'a');
  const b = await store.importTarball(tarFile, 'b');
  t.not(a.id, b.id); // import time is in the config
  t.deepEqual(a.layers, b.layers);
  t.is(fs.readdirSync(store.layersDir).length, 1);
  store.remove('a', { force: false, inUse: () => false });
  t.is(fs.readdirSync(store.layersDir).length, 1);
  store.remove('b', { force: false, inUse: () => false });
  t.is(fs.readdirSync(store.layersDir).length, 0);
});

test('prune removes untagged unused images only', async (t) => {
  const store = newStore(t);
  const work = tmpDir('bxt-img-work');
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const tarFile = path.join(work, 'rootfs.tar');
  fs.writeFileSync(tarFile, busyboxTar(work));
  const kept = await store.importTarball(tarFile, 'kept');
  const dangling = await store.importTarball(tarFile);
  const used = await store.importTarball(tarFile);
  const r = store.prune({ inUse: (id) => id === used.id });
  t.deepEqual(r.ImagesDeleted, [{ Deleted: dangling.id }]);
  t.deepEqual(store.list().map((i) => i.id).sort(), [kept.id, used.id].sort());
});

test('registerSeedRootfs records the directory in place, tags alpine only for Alpine', (t) => {
  const store = newStore(t);
  const seed = tmpDir('bxt-seed');
  t.teardown(() => fs.rmSync(seed, { recursive: true, force: true }));
  fs.mkdirSync(path.join(seed, 'etc'));
  fs.writeFileSync(path.join(seed, 'etc/alpine-release'), '3.19.1\n');
  const img = store.registerSeedRootfs(seed);
  t.deepEqual(img.repoTags, ['alpine:latest', 'boxify-rootfs:latest']);
  t.deepEqual(store.layerDirs(img), [fs.realpathSync(seed)]);
  t.deepEqual(fs.readdirSync(store.layersDir), []); // nothing copied
  t.is(store.registerSeedRootfs(seed).id, img.id); // idempotent
  t.is(store.list().length, 1);
  // Removing it never deletes the seed directory.
  store.remove('alpine', { force: false, inUse: () => false });
  store.remove('boxify-rootfs', { force: false, inUse: () => false });
  t.true(fs.existsSync(path.join(seed, 'etc/alpine-release')));
});

test('init removes crash leftovers: tmp dirs, *.tmp files, orphan layers and dangling tags', (t) => {
  const store = newStore(t);
  const img = store.ensureDefaultImage();
  fs.mkdirSync(path.join(store.tmpDir, 'layer-half/rootfs/usr'), { recursive: true });
  fs.mkdirSync(path.join(store.layersDir, 'f'.repeat(64)));
  fs.writeFileSync(path.join(store.dbDir, 'tags.json.123.tmp'), '{');
  const tags = JSON.parse(fs.readFileSync(path.join(store.dbDir, 'tags.json'), 'utf8'));
  tags['docker.io/library/ghost:latest'] = `sha256:${'e'.repeat(64)}`;
  fs.writeFileSync(path.join(store.dbDir, 'tags.json'), JSON.stringify(tags));

  const again = new ImageStore(store.root);
  again.init();
  t.deepEqual(fs.readdirSync(again.tmpDir), []);
  t.deepEqual(fs.readdirSync(again.layersDir), [img.layers[0]!.slice(7)]);
  t.false(fs.readdirSync(again.dbDir).some((f) => f.endsWith('.tmp')));
  t.deepEqual(again.list().map((i) => i.repoTags), [['busybox:latest']]);
  t.is(again.find('ghost'), undefined);
});
