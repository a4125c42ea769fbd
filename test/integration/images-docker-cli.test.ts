// The whole image flow through a real boxifyd and the real docker CLI: `docker run` of an
// image the daemon does not have pulls it from a loopback registry (3 layers, a whiteout),
// and the container runs with the image's Entrypoint, Cmd, Env, WorkingDir and User;
// `docker load`, `docker import`, `docker images`, `docker rmi` (refused while in use).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { docker as dockerCli, show, type CliResult } from '../helpers/docker.js';
import { busyboxTar, dockerSaveTar, buildImage, makeTar, sha256, tmpDir } from './images-fixtures.js';
import { push, startRegistry, type Registry } from './images-registry-fixture.js';

const base = tmpDir('bxt-images-cli');
let d: TestDaemon;
let registry: Registry;
let ref: string;

function docker(args: string[], timeoutMs = 90_000): Promise<CliResult> {
  return dockerCli(d, args, { timeoutMs });
}


/** An OCI layout of a 3-layer image: busybox, a whiteout of /etc/motd plus data, an app script. */
function writeAppLayout(dir: string): void {
  const bb = busyboxTar(base);
  const l1 = Buffer.concat([bb.subarray(0, bb.length - 1024), makeTar([{ name: 'etc/motd', data: 'old motd\n' }])]);
  const l2 = makeTar([{ name: 'etc/.wh.motd', data: '' }, { name: 'srv/', type: '5' }, { name: 'srv/msg', data: 'message from layer 2\n' }]);
  const script = '#!/bin/sh\necho "$GREETING pwd=$(pwd) uid=$(id -u) args=$*"\ncat /srv/msg\n[ -e /etc/motd ] && echo motd-present || echo motd-hidden\n';
  const l3 = makeTar([{ name: 'app/run', data: script, mode: 0o755 }]);
  fs.mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true });
  const blob = (b: Buffer) => {
    fs.writeFileSync(path.join(dir, 'blobs/sha256', sha256(b).slice(7)), b);
    return sha256(b);
  };
  const layers = [l1, l2, l3].map((tar) => {
    const gz = zlib.gzipSync(tar);
    return { digest: blob(gz), size: gz.length, diffId: sha256(tar) };
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/app/run'], Cmd: ['default-arg'], Env: ['GREETING=hello', 'PATH=/usr/bin:/bin'], WorkingDir: '/srv', User: '65534' },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  const md = blob(manifest);
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
  );
}

test.before(async () => {
  d = await startDaemon();
  registry = await startRegistry(path.join(base, 'registry'));
  const layout = path.join(base, 'oci');
  writeAppLayout(layout);
  ref = `${registry.host}/e2e/app:v1`;
  await push(layout, 'v1', ref);
});

test.after.always(async () => {
  await registry?.stop();
  await d?.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

test.serial('docker run pulls a missing image and runs it with its config', async (t) => {
  const r = await docker(['run', '--rm', ref]);
  t.is(r.code, 0, show(r));
  t.regex(r.stderr, /Pull complete/, show(r));
  t.regex(r.stderr, /Status: Downloaded newer image/, show(r));
  t.is(r.stdout, 'hello pwd=/srv uid=65534 args=default-arg\nmessage from layer 2\nmotd-hidden\n', show(r));
  const withArgs = await docker(['run', '--rm', ref, 'a', 'b']);
  t.is(withArgs.stdout.split('\n')[0], 'hello pwd=/srv uid=65534 args=a b', show(withArgs));
  const insp = await docker(['image', 'inspect', ref, '--format', '{{json .Config.Entrypoint}} {{len .RootFS.Layers}} {{.Os}}']);
  t.is(insp.stdout.trim(), '["/app/run"] 3 linux', show(insp));
});

test.serial('docker load, import, images and rmi (refused while a container uses the image)', async (t) => {
  const img = buildImage([{ entries: [{ name: 'f', data: 'x' }] }], { Cmd: ['/f'] });
  const saveFile = path.join(base, 'save.tar');
  fs.writeFileSync(saveFile, dockerSaveTar(img, ['cli/loaded:1']));
  const load = await docker(['load', '-i', saveFile]);
  t.is(load.code, 0, show(load));
  t.is(load.stdout.trim(), 'Loaded image: cli/loaded:1');

  const rootfs = path.join(base, 'rootfs.tar.gz');
  fs.writeFileSync(rootfs, zlib.gzipSync(busyboxTar(base)));
  const imp = await docker(['import', '--change', 'CMD ["/bin/sh", "-c", "echo imported-ok"]', rootfs, 'cli/imported:1']);
  t.is(imp.code, 0, show(imp));
  const run = await docker(['run', '--rm', 'cli/imported:1']);
  t.is(run.stdout.trim(), 'imported-ok', show(run));

  const images = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  for (const name of ['cli/loaded:1', 'cli/imported:1', ref, 'busybox:latest']) t.true(images.stdout.split('\n').includes(name), show(images));

  const created = await docker(['create', '--name', `imgcli${d.id}`, 'cli/imported:1']);
  t.is(created.code, 0, show(created));
  const refused = await docker(['rmi', 'cli/imported:1']);
  t.not(refused.code, 0);
  t.regex(refused.stderr, /conflict: unable to remove repository reference "cli\/imported:1" \(must force\) - (container [0-9a-f]{12}|a container) is using its referenced image/, show(refused));
  t.is((await docker(['rm', `imgcli${d.id}`])).code, 0);
  const rmi = await docker(['rmi', 'cli/imported:1']);
  t.is(rmi.code, 0, show(rmi));
  t.regex(rmi.stdout, /Untagged: cli\/imported:1\nDeleted: sha256:/);
  const missing = await docker(['rmi', 'cli/imported:1']);
  t.regex(missing.stderr, /No such image: cli\/imported:1/);
});
