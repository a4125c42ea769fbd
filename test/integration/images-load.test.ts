// `docker load` formats built in the test: the classic docker-save archive, Docker 25+'s
// archive (manifest.json over an OCI layout), and OCI layouts as a directory or a tar, with a
// manifest list; bad archives are refused with the store unchanged.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ImageStore } from '../../src/core/images/store.js';
import { BoxifyError } from '../../src/core/errors.js';
import { buildImage, dockerSaveTar, gzip, makeTar, snapshot, tarDir, tmpDir, writeOciLayout, type LayerSpec } from './images-fixtures.js';

function setup(t: { teardown(fn: () => void): void }) {
  const root = tmpDir('bxt-images');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new ImageStore(path.join(root, 'images'));
  store.init();
  const work = path.join(root, 'work');
  fs.mkdirSync(work);
  return { store, work };
}

const twoLayers: LayerSpec[] = [
  { entries: [{ name: 'etc/', type: '5' }, { name: 'etc/os-release', data: 'ID=test\n' }, { name: 'etc/old', data: 'old' }, { name: 'opt/x/a', data: 'a' }] },
  { entries: [{ name: 'etc/.wh.old', data: '' }, { name: 'opt/x/.wh..wh..opq', data: '' }, { name: 'opt/x/b', data: 'b' }, { name: 'app', data: 'app\n', mode: 0o755 }] },
];
const cfg = { Cmd: ['/app'], Env: ['A=1'], WorkingDir: '/opt', User: '1000' };

test('loads a classic docker-save archive (tags, layers, config)', async (t) => {
  const { store, work } = setup(t);
  const img = buildImage(twoLayers, cfg);
  const file = path.join(work, 'save.tar');
  fs.writeFileSync(file, dockerSaveTar(img, ['test/loaded:v1', 'localhost:5000/other:2']));
  const res = await store.load(file);
  t.deepEqual(res.tags, ['test/loaded:v1', 'localhost:5000/other:2']);
  t.deepEqual(res.ids, [img.configDigest]);
  const rec = store.resolve('test/loaded:v1');
  t.is(rec.id, img.configDigest);
  t.like(rec.config, cfg);
  t.deepEqual(rec.layers, img.layers.map((l) => l.diffId));
  const [lower, upper] = store.layerDirs(rec);
  t.is(fs.readFileSync(path.join(lower!, 'etc/os-release'), 'utf8'), 'ID=test\n');
  t.true(fs.lstatSync(path.join(upper!, 'etc/old')).isCharacterDevice());
  t.is(fs.statSync(path.join(upper!, 'app')).mode & 0o777, 0o755);
  t.deepEqual(fs.readdirSync(store.tmpDir), []);

  // Loading again is idempotent; a gzip-compressed stream works too.
  const again = await store.load(fs.createReadStream(file).pipe((await import('node:zlib')).createGzip()));
  t.deepEqual(again.ids, [img.configDigest]);
  t.is(store.list().length, 1);
  t.is(fs.readdirSync(store.layersDir).length, 2);
});

test("loads Docker 25+'s archive (manifest.json over an OCI layout with blobs/sha256)", async (t) => {
  const { store, work } = setup(t);
  const img = buildImage(twoLayers.map((l) => ({ ...l, gzip: false })), cfg);
  const dir = path.join(work, 'd25');
  writeOciLayout(dir, [{ img, tag: 'v25' }]);
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify([{ Config: `blobs/sha256/${img.configDigest.slice(7)}`, RepoTags: ['d25:latest'], Layers: img.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) }]),
  );
  const res = await store.load(tarDir(dir));
  t.deepEqual(res.tags, ['d25:latest']);
  t.is(store.resolve('d25').id, img.configDigest);
});

test('loads an OCI layout directory and tar; a manifest list gives linux/amd64', async (t) => {
  const { store, work } = setup(t);
  const amd = buildImage(twoLayers, cfg);
  const arm = buildImage([{ entries: [{ name: 'arm', data: 'arm' }] }], {}, 'arm64');
  const dir = path.join(work, 'oci');
  writeOciLayout(dir, [
    { img: arm, platform: { architecture: 'arm64', os: 'linux' } },
    { img: amd, platform: { architecture: 'amd64', os: 'linux' } },
  ], 'registry.example/multi:1');
  const res = await store.load(dir);
  t.deepEqual(res.tags, ['registry.example/multi:1']);
  t.is(store.resolve('registry.example/multi:1').id, amd.configDigest);

  // A bare tag names no repository: the image loads untagged.
  const dir2 = path.join(work, 'oci2');
  const single = buildImage([{ entries: [{ name: 'f', data: 'single' }] }]);
  writeOciLayout(dir2, [{ img: single, tag: 'v1' }]);
  const res2 = await store.load(tarDir(dir2));
  t.deepEqual(res2.tags, []);
  t.deepEqual(res2.untagged, [single.configDigest]);
});

test('refuses bad archives and leaves the store unchanged', async (t) => {
  const { store, work } = setup(t);
  await store.importTarball(gzip(makeTar([{ name: 'base', data: 'b' }])), 'base');
  const before = snapshot(store.root);
  const img = buildImage(twoLayers, cfg);

  const cases: [string, () => Buffer | string, RegExp][] = [
    [
      'a layer whose content does not match the config',
      () => {
        const bad = buildImage(twoLayers, cfg);
        const cfgJson = JSON.parse(bad.config.toString());
        cfgJson.rootfs.diff_ids[1] = `sha256:${'1'.repeat(64)}`;
        return dockerSaveTar({ ...bad, config: Buffer.from(JSON.stringify(cfgJson)) }, ['bad:1']);
      },
      /digest mismatch: the image config says sha256:1+/,
    ],
    ['a truncated archive', () => dockerSaveTar(img, ['bad:1']).subarray(0, 2000), /truncated/],
    ['no manifest', () => makeTar([{ name: 'hello', data: 'x' }]), /neither manifest.json/],
    ['a manifest that climbs out', () => makeTar([{ name: 'manifest.json', data: JSON.stringify([{ Config: '../../../etc/passwd', Layers: [] }]) }]), /points outside the archive/],
    [
      'an OCI blob whose digest does not match',
      () => {
        const dir = path.join(work, `oci-bad-${Math.random()}`);
        writeOciLayout(dir, [{ img, tag: 'x/y:1' }]);
        const blob = path.join(dir, 'blobs/sha256', img.layers[1]!.digest.slice(7));
        fs.writeFileSync(blob, gzip(makeTar([{ name: 'evil', data: 'x' }])));
        return tarDir(dir);
      },
      /digest mismatch/,
    ],
    [
      'an index with no linux/amd64',
      () => {
        const dir = path.join(work, `oci-arm-${Math.random()}`);
        writeOciLayout(dir, [{ img: buildImage([{ entries: [{ name: 'a', data: 'a' }] }], {}, 'arm64'), platform: { architecture: 'arm64', os: 'linux' } }], 'x/arm:1');
        return dir;
      },
      /has no linux\/amd64 image \(it has: linux\/arm64\)/,
    ],
  ];
  for (const [what, make, re] of cases) {
    const data = make();
    const input = typeof data === 'string' ? data : path.join(work, 'bad.tar');
    if (typeof data !== 'string') fs.writeFileSync(input, data);
    const err = await t.throwsAsync(store.load(input), { instanceOf: BoxifyError }, what);
    t.regex(err!.message, re, what);
    t.is(err!.status, 400, what);
    t.deepEqual(snapshot(store.root), before, what);
  }
});
