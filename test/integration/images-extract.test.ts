// Layer extraction and tarball import on the real filesystem (as root): formats, metadata,
// whiteouts under a real overlay mount, and every kind of hostile input refused with the
// store left exactly as it was.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ImageStore } from '../../src/core/images/store.js';
import { extractLayer } from '../../src/core/images/extract.js';
import { lgetxattr } from '../../src/core/images/native.js';
import { BoxifyError } from '../../src/core/errors.js';
import { busyboxTar, gzip, makeTar, sha256, snapshot, tmpDir, xz, type TarEntry } from './images-fixtures.js';

function setup(t: { teardown(fn: () => void): void }) {
  const root = tmpDir('bxt-images');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new ImageStore(path.join(root, 'images'));
  store.init();
  const work = path.join(root, 'work');
  fs.mkdirSync(work);
  return { store, work };
}

for (const variant of ['plain', 'gzip', 'xz'] as const) {
  test(`imports a busybox rootfs tarball (${variant}) and the diff ID is the sha256 of the tar`, async (t) => {
    const { store, work } = setup(t);
    const tar = busyboxTar(work);
    const file = path.join(work, `rootfs.tar${variant === 'gzip' ? '.gz' : variant === 'xz' ? '.xz' : ''}`);
    fs.writeFileSync(file, variant === 'gzip' ? gzip(tar) : variant === 'xz' ? xz(tar) : tar);
    const img = await store.importTarball(file, 'bb:imported', { Cmd: ['sh'] });
    t.deepEqual(img.repoTags, ['bb:imported']);
    t.deepEqual(img.layers, [sha256(tar)]);
    t.deepEqual(img.config.Cmd, ['sh']);
    const [dir] = store.layerDirs(img);
    t.is(fs.readlinkSync(path.join(dir!, 'bin/sh')), '/bin/busybox');
    t.is(fs.statSync(path.join(dir!, 'tmp')).mode & 0o7777, 0o1777);
    t.is(fs.statSync(path.join(dir!, 'root')).mode & 0o7777, 0o700);
    // The extracted busybox runs.
    t.regex(execFileSync(path.join(dir!, 'bin/busybox'), ['echo', 'hello']).toString(), /hello/);
    t.deepEqual(fs.readdirSync(store.tmpDir), []);
  });
}

test('keeps modes, owners, times, symlinks, hardlinks, fifos, long names and xattrs', async (t) => {
  const { work } = setup(t);
  const long = `deep/${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
  const entries: TarEntry[] = [
    { name: 'etc/', type: '5', mode: 0o750, uid: 12, gid: 34, mtime: 1600000000 },
    { name: 'etc/file', data: 'hello\n', mode: 0o640, uid: 1000, gid: 1001, mtime: 1500000000 },
    { name: 'bin/su', data: 'x', mode: 0o4755 },
    { name: 'etc/link', type: '2', linkname: 'file', uid: 5, gid: 6 },
    { name: 'etc/hard', type: '1', linkname: 'etc/file' },
    { name: 'run/fifo', type: '6', mode: 0o600 },
    { name: long, data: 'long\n' },
    { name: `${'l'.repeat(101)}`, type: '2', linkname: `/${'t'.repeat(150)}` },
  ];
  const tar = makeTar(entries);
  const dest = path.join(work, 'layer');
  const res = await extractLayer(gzip(tar), dest).catch((e) => {
    throw e;
  });
  t.is(res.diffId, sha256(tar));
  t.is(res.compression, 'gzip');
  const st = (p: string) => fs.lstatSync(path.join(dest, p));
  t.is(st('etc').mode & 0o7777, 0o750);
  t.is(st('etc').uid, 12);
  t.is(st('etc').mtimeMs, 1600000000 * 1000);
  t.is(fs.readFileSync(path.join(dest, 'etc/file'), 'utf8'), 'hello\n');
  t.is(st('etc/file').mode & 0o7777, 0o640);
  t.is(st('etc/file').uid, 1000);
  t.is(st('etc/file').gid, 1001);
  t.is(st('etc/file').mtimeMs, 1500000000 * 1000);
  t.is(st('etc/file').nlink, 2);
  t.is(st('etc/hard').ino, st('etc/file').ino);
  t.is(st('bin/su').mode & 0o7777, 0o4755);
  t.true(st('etc/link').isSymbolicLink());
  t.is(st('etc/link').uid, 5);
  t.true(st('run/fifo').isFIFO());
  t.is(fs.readFileSync(path.join(dest, long), 'utf8'), 'long\n');
  t.is(fs.readlinkSync(path.join(dest, 'l'.repeat(101))), `/${'t'.repeat(150)}`);

  // GNU tar's own long-name format ('L' records) and a PAX xattr (file capability).
  const src = path.join(work, 'src');
  fs.mkdirSync(path.join(src, 'a'.repeat(110)), { recursive: true });
  fs.writeFileSync(path.join(src, 'a'.repeat(110), 'b'.repeat(110)), 'gnu\n');
  fs.writeFileSync(path.join(src, 'ping'), 'p');
  execFileSync('setcap', ['cap_net_raw+ep', path.join(src, 'ping')]);
  const gnuTar = execFileSync('tar', ['-C', src, '--format=gnu', '-cf', '-', '.']);
  const paxTar = execFileSync('tar', ['-C', src, '--format=pax', '--xattrs', '--xattrs-include=security.capability', '-cf', '-', 'ping']);
  const d2 = path.join(work, 'gnu');
  await extractLayer(gnuTar, d2);
  t.is(fs.readFileSync(path.join(d2, 'a'.repeat(110), 'b'.repeat(110)), 'utf8'), 'gnu\n');
  const d3 = path.join(work, 'pax');
  await extractLayer(paxTar, d3);
  t.truthy(lgetxattr(path.join(d3, 'ping'), 'security.capability'));
});

test('whiteouts and opaque directories hide lower files under a real overlay mount', async (t) => {
  const { store, work } = setup(t);
  const lower = makeTar([
    { name: 'a/', type: '5' },
    { name: 'a/gone', data: 'old' },
    { name: 'a/keep', data: 'keep' },
    { name: 'd/', type: '5' },
    { name: 'd/x', data: 'x' },
    { name: 'd/sub/y', data: 'y' },
  ]);
  const upper = makeTar([
    { name: 'a/.wh.gone', data: '' },
    { name: 'd/', type: '5' },
    { name: 'd/.wh..wh..opq', data: '' },
    { name: 'd/new', data: 'new' },
  ]);
  const l1 = await store.addLayer(lower);
  const l2 = await store.addLayer(upper);
  const d1 = store.layerDir(l1.diffId);
  const d2 = store.layerDir(l2.diffId);
  const wh = fs.lstatSync(path.join(d2, 'a/gone'));
  t.true(wh.isCharacterDevice());
  t.is(wh.rdev, 0);
  t.false(fs.existsSync(path.join(d2, 'a/.wh.gone')));
  t.is(lgetxattr(path.join(d2, 'd'), 'trusted.overlay.opaque')?.toString(), 'y');

  const mnt = path.join(work, 'mnt');
  fs.mkdirSync(mnt);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d2}:${d1}`, mnt]);
  t.teardown(() => {
    try {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    } catch {
      /* not mounted */
    }
  });
  t.false(fs.existsSync(path.join(mnt, 'a/gone')));
  t.is(fs.readFileSync(path.join(mnt, 'a/keep'), 'utf8'), 'keep');
  t.deepEqual(fs.readdirSync(path.join(mnt, 'd')), ['new']);
  execFileSync('umount', [mnt]);
});

// Each hostile input: a clear error, and the store exactly as before (no layer, no record,
// no tmp leftovers), and nothing written outside.
const outside = `/tmp/bxt-escape-${process.pid}`;
const hostile: { name: string; data: () => Buffer; error: RegExp }[] = [
  { name: 'a truncated tar', data: () => makeTar([{ name: 'big', data: Buffer.alloc(10000, 1) }]).subarray(0, 3000), error: /truncated inside entry "big"/ },
  { name: 'a corrupt gzip', data: () => { const g = gzip(makeTar([{ name: 'f', data: Buffer.alloc(100000, 7) }])); g.fill(0x55, 20, g.length - 10); return g; }, error: /gzip data is corrupt or truncated/ },
  { name: 'a truncated gzip', data: () => { const g = gzip(makeTar([{ name: 'f', data: crypto_random(200000) }])); return g.subarray(0, g.length / 2); }, error: /gzip data is corrupt or truncated/ },
  { name: 'a truncated xz', data: () => { const g = xz(makeTar([{ name: 'f', data: crypto_random(200000) }])); return g.subarray(0, g.length / 2); }, error: /xz data is corrupt or truncated/ },
  { name: 'not a tar', data: () => Buffer.from('this is not a tar archive at all'.repeat(40)), error: /not a tar archive/ },
  { name: 'an empty file', data: () => Buffer.alloc(0), error: /empty input/ },
  { name: 'an entry with ../', data: () => makeTar([{ name: 'ok', data: 'x' }, { name: `../../../..${outside}`, data: 'pwned' }]), error: /climbs out of the layer/ },
  { name: 'a symlink escape then a write through it', data: () => makeTar([{ name: 'evil', type: '2', linkname: '../../../../../../../..' }, { name: `evil${outside}`, data: 'pwned' }]), error: /goes through a symlink that points outside the layer/ },
  {
    name: 'a directory replaced by an escaping symlink, then a write through it',
    data: () => makeTar([{ name: 'a/', type: '5' }, { name: 'a/x', data: 'x' }, { name: 'a', type: '2', linkname: '../../../../../../..' }, { name: `a${outside}`, data: 'pwned' }]),
    error: /goes through a symlink that points outside the layer/,
  },
  { name: 'an entry under a regular file', data: () => makeTar([{ name: 'f', data: 'x' }, { name: 'f/y', data: 'y' }]), error: /parent "f" is not a directory/ },
  { name: 'a hardlink outside the layer', data: () => makeTar([{ name: 'h', type: '1', linkname: '../../../../etc/passwd' }]), error: /climbs out of the layer/ },
  { name: 'a hardlink to a file not in the layer', data: () => makeTar([{ name: 'h', type: '1', linkname: '/etc/passwd' }]), error: /not in the layer/ },
  { name: 'a corrupt header checksum', data: () => { const b = makeTar([{ name: 'a', data: 'x' }, { name: 'b', data: 'y' }]); b[1024 + 10] ^= 0xff; return b; }, error: /corrupt tar header at offset 1024/ },
];

function crypto_random(n: number): Buffer {
  // Incompressible data, so half of the compressed stream is half of the content.
  return execFileSync('head', ['-c', String(n), '/dev/urandom']);
}

for (const h of hostile) {
  test(`refuses ${h.name}; the store is unchanged`, async (t) => {
    const { store, work } = setup(t);
    await store.importTarball(gzip(makeTar([{ name: 'base', data: 'b' }])), 'base');
    const before = snapshot(store.root);
    const file = path.join(work, 'bad.tar');
    fs.writeFileSync(file, h.data());
    const err = await t.throwsAsync(store.importTarball(file, 'bad:1'), { instanceOf: BoxifyError });
    t.regex(err!.message, h.error);
    t.is(err!.status, 400);
    t.deepEqual(snapshot(store.root), before);
    t.deepEqual(fs.readdirSync(store.tmpDir), []);
    t.false(fs.existsSync(outside));
    t.is(store.find('bad:1'), undefined);
  });
}

test('absolute paths and absolute symlinks stay inside the layer', async (t) => {
  const { store } = setup(t);
  const img = await store.importTarball(
    makeTar([
      { name: `/abs${outside}/file`, data: 'a' },
      { name: 'up', type: '2', linkname: outside },
      { name: 'up/through', data: 'b' },
    ]),
    'contained',
  );
  const [dir] = store.layerDirs(img);
  t.is(fs.readFileSync(path.join(dir!, `abs${outside}/file`), 'utf8'), 'a');
  t.is(fs.readFileSync(path.join(dir!, `${outside}/through`), 'utf8'), 'b');
  t.false(fs.existsSync(outside));
});

test('device nodes are skipped with a warning; a whiteout is the only device made', async (t) => {
  const { work } = setup(t);
  const dest = path.join(work, 'layer');
  const res = await extractLayer(
    makeTar([
      { name: 'dev/sda', type: '4', devmajor: 8, devminor: 0 },
      { name: 'dev/mem', type: '3', devmajor: 1, devminor: 1 },
      { name: 'dev/.wh.null', data: '' },
    ]),
    dest,
  );
  t.false(fs.existsSync(path.join(dest, 'dev/sda')));
  t.false(fs.existsSync(path.join(dest, 'dev/mem')));
  t.is(res.warnings.length, 2);
  t.regex(res.warnings[0]!, /skipped block device "dev\/sda" \(8:0\): device nodes are not allowed/);
  t.is(fs.lstatSync(path.join(dest, 'dev/null')).rdev, 0);
});

test('a layer whose content differs from the expected diff ID is refused and removed', async (t) => {
  const { store } = setup(t);
  const before = snapshot(store.root);
  const err = await t.throwsAsync(store.addLayer(makeTar([{ name: 'f', data: 'x' }]), { expectedDiffId: `sha256:${'0'.repeat(64)}` }));
  t.regex(err!.message, /digest mismatch/);
  t.deepEqual(snapshot(store.root), before);
  const err2 = await t.throwsAsync(store.addLayer(gzip(makeTar([{ name: 'f', data: 'x' }])), { expectedDigest: `sha256:${'0'.repeat(64)}` }));
  t.regex(err2!.message, /digest mismatch: expected sha256:0+, the data is sha256:/);
  t.deepEqual(snapshot(store.root), before);
});

test('importDirectory copies a tree into a layer', async (t) => {
  const { store, work } = setup(t);
  const src = path.join(work, 'tree');
  fs.mkdirSync(path.join(src, 'x/y'), { recursive: true });
  fs.writeFileSync(path.join(src, 'x/y/z'), 'zz');
  const img = await store.importDirectory(src, 'tree:1');
  t.is(fs.readFileSync(path.join(store.layerDirs(img)[0]!, 'x/y/z'), 'utf8'), 'zz');
});
