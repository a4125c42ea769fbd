// Pulls from a real registry (Debian's docker-registry) on loopback, fed by skopeo from OCI
// layouts built here: a 3-layer image with a whiteout and an opaque directory that is then
// run from an overlay of its layers, a manifest list, pull by digest, a registry that answers
// 500 or drops the connection, and the bearer-token flow with a loopback token server.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ImageStore } from '../../src/core/images/store.js';
import { pullImage, type PullProgress } from '../../src/core/images/registry.js';
import { BoxifyError } from '../../src/core/errors.js';
import { buildImage, busyboxTar, snapshot, tmpDir, writeOciLayout, type BuiltImage, type TarEntry } from './images-fixtures.js';
import { push, startFaultyProxy, startRegistry, startTokenServer, type Registry } from './images-registry-fixture.js';

const base = tmpDir('bxt-registry');
let registry: Registry;
let app: BuiltImage;
let amd: BuiltImage;
let appDir: string;

/** Entries of a tar buffer as TarEntry values (to put busybox into a layer of our own). */
function busyboxEntries(): TarEntry[] {
  const dir = path.join(base, 'bb');
  fs.mkdirSync(dir, { recursive: true });
  const tar = busyboxTar(dir);
  // Re-extract with GNU tar and list, so the layer is made by our own tar writer.
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  execFileSync('tar', ['-C', root, '-xf', '-'], { input: tar });
  const out: TarEntry[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = fs.lstatSync(path.join(root, r));
      if (e.isDirectory()) {
        out.push({ name: `${r}/`, type: '5', mode: st.mode & 0o7777 });
        walk(r);
      } else if (e.isSymbolicLink()) out.push({ name: r, type: '2', linkname: fs.readlinkSync(path.join(root, r)) });
      else out.push({ name: r, data: fs.readFileSync(path.join(root, r)), mode: st.mode & 0o7777 });
    }
  };
  walk('');
  return out;
}

// Serial: one registry serves the whole file, and concurrent pulls on a loaded machine made
// it stall.
test.before(async () => {
  registry = await startRegistry(path.join(base, 'registry'));
  app = buildImage(
    [
      { entries: [...busyboxEntries(), { name: 'etc/old.conf', data: 'old' }, { name: 'srv/data/1', data: '1' }] },
      { entries: [{ name: 'etc/.wh.old.conf', data: '' }, { name: 'srv/data/', type: '5' }, { name: 'srv/data/.wh..wh..opq', data: '' }, { name: 'srv/data/2', data: '2' }] },
      { entries: [{ name: 'app/hello', data: '#!/bin/sh\necho hello from $GREETING\n', mode: 0o755 }] },
    ],
    { Entrypoint: ['/app/hello'], Cmd: ['x'], Env: ['GREETING=boxify', 'PATH=/bin'], WorkingDir: '/srv', User: '0' },
  );
  appDir = path.join(base, 'oci-app');
  writeOciLayout(appDir, [{ img: app, tag: 'v1' }]);
  await push(appDir, 'v1', `${registry.host}/test/app:v1`);

  amd = buildImage([{ entries: [{ name: 'arch', data: 'amd64' }] }], { Cmd: ['amd'] });
  const arm = buildImage([{ entries: [{ name: 'arch', data: 'arm64' }] }], { Cmd: ['arm'] }, 'arm64');
  const listDir = path.join(base, 'oci-list');
  writeOciLayout(listDir, [
    { img: arm, platform: { architecture: 'arm64', os: 'linux' } },
    { img: amd, platform: { architecture: 'amd64', os: 'linux' } },
  ], 'multi');
  await push(listDir, 'multi', `${registry.host}/test/multi:1`, { all: true });
  const armOnly = path.join(base, 'oci-armonly');
  writeOciLayout(armOnly, [{ img: arm, platform: { architecture: 'arm64', os: 'linux' } }], 'arm');
  await push(armOnly, 'arm', `${registry.host}/test/armonly:1`, { all: true });
});

test.after.always(async () => {
  await registry?.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

function newStore(t: { teardown(fn: () => void): void }): ImageStore {
  const root = tmpDir('bxt-images');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new ImageStore(path.join(root, 'images'));
  store.init();
  return store;
}

test.serial('pulls a 3-layer image: files, whiteout, opaque dir, config; it runs from an overlay', async (t) => {
  const store = newStore(t);
  const events: PullProgress[] = [];
  const img = await pullImage(store, `${registry.host}/test/app:v1`, { onProgress: (p) => events.push(p) });
  t.is(img.id, app.configDigest);
  t.deepEqual(img.repoTags, [`${registry.host}/test/app:v1`]);
  t.is(img.repoDigests.length, 1);
  t.regex(img.repoDigests[0]!, new RegExp(`^${registry.host}/test/app@sha256:[a-f0-9]{64}$`));
  t.like(img.config, { Entrypoint: ['/app/hello'], Env: ['GREETING=boxify', 'PATH=/bin'], WorkingDir: '/srv' });
  t.deepEqual(img.layers, app.layers.map((l) => l.diffId));
  t.is(events.filter((e) => e.status === 'Pull complete').length, 3);
  t.true(events.some((e) => e.status === 'Downloading' && e.progressDetail?.total === app.layers[0]!.blob.length));
  t.is(events.at(-1)!.status, `Status: Downloaded newer image for ${registry.host}/test/app:v1`);

  const mnt = fs.mkdtempSync(path.join(base, 'mnt-'));
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${[...store.layerDirs(img)].reverse().join(':')}`, mnt]);
  t.teardown(() => {
    try {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    } catch {
      /* already unmounted */
    }
  });
  t.false(fs.existsSync(path.join(mnt, 'etc/old.conf')));
  t.deepEqual(fs.readdirSync(path.join(mnt, 'srv/data')), ['2']);
  const out = execFileSync('/usr/sbin/chroot', [mnt, '/app/hello'], { env: { GREETING: 'boxify', PATH: '/bin' } }).toString();
  t.is(out, 'hello from boxify\n');
  execFileSync('umount', [mnt]);

  // Again: nothing downloaded.
  const again: PullProgress[] = [];
  await pullImage(store, `${registry.host}/test/app:v1`, { onProgress: (p) => again.push(p) });
  t.is(again.filter((e) => e.status === 'Already exists').length, 3);
  t.false(again.some((e) => e.status === 'Downloading'));
  t.is(again.at(-1)!.status, `Status: Image is up to date for ${registry.host}/test/app:v1`);
});

test.serial('a manifest list gives the linux/amd64 image; pull by digest works', async (t) => {
  const store = newStore(t);
  const img = await pullImage(store, `${registry.host}/test/multi:1`);
  t.is(img.id, amd.configDigest);
  t.deepEqual(img.config.Cmd, ['amd']);
  const digest = img.repoDigests[0]!.split('@')[1]!;
  const store2 = newStore(t);
  const byDigest = await pullImage(store2, `${registry.host}/test/multi@${digest}`);
  t.is(byDigest.id, amd.configDigest);
  t.deepEqual(byDigest.repoTags, []);
  t.is(store2.resolve(`${registry.host}/test/multi@${digest}`).id, amd.configDigest);
});

async function refused(t: import('ava').ExecutionContext, store: ImageStore, ref: string, re: RegExp, status: number) {
  const before = snapshot(store.root);
  const err = await t.throwsAsync(pullImage(store, ref), { instanceOf: BoxifyError });
  t.regex(err!.message, re);
    t.is(err!.status, status);
  t.deepEqual(snapshot(store.root), before);
  t.deepEqual(fs.readdirSync(store.tmpDir), []);
}

test.serial('no linux/amd64 in the list, or no such tag: clear errors, store unchanged', async (t) => {
  const store = newStore(t);
  store.ensureDefaultImage();
  await refused(t, store, `${registry.host}/test/armonly:1`, /has no linux\/amd64 image \(it has: linux\/arm64\)/, 400);
  await refused(t, store, `${registry.host}/test/app:nope`, /registry answered 404 .*MANIFEST_UNKNOWN/, 404);
  await refused(t, store, `${registry.host}/test/nothere:1`, /registry answered 404/, 404);
});

test.serial('a registry that answers 500 or drops the connection mid-layer: error, store unchanged', async (t) => {
  const store = newStore(t);
  store.ensureDefaultImage();
  const big = app.layers[0]!.digest; // the busybox layer, about 1 MB
  for (const mode of ['500', 'drop'] as const) {
    const proxy = await startFaultyProxy(registry.host, big, mode);
    try {
      await refused(
        t,
        store,
        `${proxy.host}/test/app:v1`,
        mode === '500' ? /registry answered 500 .*storage exploded/ : /dropped the connection|truncated|corrupt/,
        503,
      );
    } finally {
      await proxy.close();
    }
  }
  // After the failures a good pull still works.
  t.is((await pullImage(store, `${registry.host}/test/app:v1`)).id, app.configDigest);
});

test.serial('bearer-token flow: a token-auth registry, credentials through a loopback token server', async (t) => {
  const dir = tmpDir('bxt-registry-token');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tokens = await startTokenServer(dir);
  t.teardown(() => tokens.close());
  const reg = await startRegistry(path.join(dir, 'registry'), tokens);
  t.teardown(() => reg.stop());
  await push(appDir, 'v1', `${reg.host}/test/private:v1`, { creds: 'test:secret' });

  const store = newStore(t);
  await refused(t, store, `${reg.host}/test/private:v1`, /token server .* refused \(401\).*unauthorized/, 403);
  const img = await pullImage(store, `${reg.host}/test/private:v1`, { auth: { username: 'test', password: 'secret' } });
  t.is(img.id, app.configDigest);
  t.true(tokens.requests.some((r) => r.scope === 'repository:test/private:pull' && r.user === 'test'));
});

test.serial('a pull cancelled mid-download cleans up: store unchanged', async (t) => {
  const store = newStore(t);
  store.ensureDefaultImage();
  const before = snapshot(store.root);
  const abort = new AbortController();
  const err = await t.throwsAsync(
    pullImage(store, `${registry.host}/test/app:v1`, {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.status === 'Downloading') abort.abort();
      },
    }),
  );
  t.regex(err!.message, /cancelled|aborted/i);
  t.deepEqual(snapshot(store.root), before);
  t.deepEqual(fs.readdirSync(store.tmpDir), []);
});
