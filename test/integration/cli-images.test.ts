// The image commands as a user runs them: the real `boxify` program (node dist/src/tui/main.js)
// against a real daemon. A busybox rootfs tarball built here is imported and run; rmi is
// refused while a stopped container uses the image; a docker-save archive built here is
// loaded; an image pushed (skopeo) to a real registry on loopback is pulled, with quiet
// lines through a pipe and progress bars redrawn in place on a pseudo-terminal, and run.
import test from 'ava';
import xterm from '@xterm/headless';
import { spawn as spawnPty } from 'node-pty';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildBusyboxRootfs } from '../../src/core/images/busybox.js';
import { CLI, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { buildImage, dockerSaveTar, gzip, tmpDir, writeOciLayout, xz, type TarEntry } from './images-fixtures.js';
import { push, startRegistry, type Registry } from './images-registry-fixture.js';

const { Terminal } = xterm;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function boxify(args: string[], opts: { input?: Buffer | string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, BOXIFY_SOCKET: daemon.socket }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boxify ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a command that does not read its stdin
    child.stdin.end(opts.input ?? '');
  });
}

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

let daemon: TestDaemon;
let registry: Registry;
const base = tmpDir('bxt-cli-images');
let rootfs: string;

/** A directory tree as tar entries (so our own tar writer can make a layer of it). */
function dirEntries(root: string): TarEntry[] {
  const out: TarEntry[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(root, r);
      const st = fs.lstatSync(full);
      if (e.isDirectory()) {
        out.push({ name: `${r}/`, type: '5', mode: st.mode & 0o7777 });
        walk(r);
      } else if (e.isSymbolicLink()) out.push({ name: r, type: '2', linkname: fs.readlinkSync(full) });
      else out.push({ name: r, data: fs.readFileSync(full), mode: st.mode & 0o7777 });
    }
  };
  walk('');
  return out;
}

test.before(async () => {
  daemon = await startDaemon();
  rootfs = path.join(base, 'rootfs');
  buildBusyboxRootfs(rootfs);
  registry = await startRegistry(path.join(base, 'registry'));
});

test.after.always(async () => {
  await registry?.stop();
  await daemon?.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

async function imageTags(): Promise<string[]> {
  return (await daemon.client.listImages()).flatMap((i) => i.RepoTags);
}

// Serial: rmi, prune and the image list see every image of this daemon.

test.serial('image import of a gzip rootfs tarball (built with tar -czf) lists like docker and runs', async (t) => {
  const file = path.join(base, 'busybox.tgz');
  execFileSync('tar', ['-C', rootfs, '-czf', file, '.']);
  const imp = await boxify(['image', 'import', file, 'mybox:1']);
  t.is(imp.code, 0, imp.stderr);
  t.regex(imp.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const id = imp.stdout.trim();

  const ls = await boxify(['images']);
  t.is(ls.code, 0, ls.stderr);
  const [header, ...rows] = ls.stdout.trimEnd().split('\n');
  t.regex(header!, /^REPOSITORY {3,}TAG {3,}IMAGE ID {3,}CREATED {3,}SIZE$/);
  const row = rows.find((r) => r.startsWith('mybox '));
  t.truthy(row, ls.stdout);
  t.regex(row!, new RegExp(`^mybox +1 +${id.slice(7, 19)} +(Less than a second|1 second|\\d+ seconds|About a minute) ago +[\\d.]+[kM]B$`));
  // Columns line up: each header starts where its cells start.
  for (const h of ['TAG', 'IMAGE ID', 'CREATED', 'SIZE']) t.is(row!.slice(header!.indexOf(h)).search(/\S/), 0, `${h} column`);

  const only = await boxify(['images', 'mybox']);
  t.deepEqual(only.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), ['mybox']);
  const q = await boxify(['image', 'ls', '-q', 'mybox:1']);
  t.is(q.stdout, `${id.slice(7, 19)}\n`);
  const json = JSON.parse((await boxify(['images', '--json'])).stdout) as { Id: string; RepoTags: string[] }[];
  t.deepEqual(json.find((i) => i.Id === id)?.RepoTags, ['mybox:1']);

  const inspect = await boxify(['image', 'inspect', 'mybox:1']);
  t.is(inspect.code, 0, inspect.stderr);
  const [info] = JSON.parse(inspect.stdout) as { Id: string; RootFS: { Layers: string[] } }[];
  t.is(info!.Id, id);
  t.is(info!.RootFS.Layers.length, 1);

  const run = await boxify(['run', '--rm', 'mybox:1', 'echo', 'ok']);
  t.is(run.code, 0, `${run.stderr}\n${daemon.output().slice(-2000)}`);
  t.is(run.stdout, 'ok\n');
});

test.serial('image import of a plain and an xz tarball from stdin (-), with tag and without a name', async (t) => {
  const tar = execFileSync('tar', ['-C', rootfs, '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  const plain = await boxify(['image', 'import', '-', 'plainbox'], { input: tar });
  t.is(plain.code, 0, plain.stderr);
  t.true((await imageTags()).includes('plainbox:latest'));
  const xzFile = path.join(base, 'busybox.tar.xz');
  fs.writeFileSync(xzFile, xz(tar));
  const x = await boxify(['import', xzFile]);
  t.is(x.code, 0, x.stderr);
  const id = x.stdout.trim();
  const untagged = (await daemon.client.listImages()).find((i) => i.Id === id);
  t.deepEqual(untagged?.RepoTags, []);
  const ls = await boxify(['images']);
  t.regex(ls.stdout, new RegExp(`^<none> +<none> +${id.slice(7, 19)} `, 'm'));
  // Two images, one layer: the layer is stored once, by digest.
  const plainId = (await daemon.client.inspectImage('plainbox')).Id;
  t.not(plainId, id);
  t.deepEqual((await daemon.client.inspectImage('plainbox')).RootFS.Layers, (await daemon.client.inspectImage(id)).RootFS.Layers);
  const r = await boxify(['rmi', 'plainbox', id.slice(7, 19)]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `Untagged: plainbox:latest\nDeleted: ${plainId}\nDeleted: ${id}\n`);
  t.false((await daemon.client.listImages()).some((i) => i.Id === id || i.Id === plainId));
});

test.serial('rmi is refused while a stopped container uses the image, naming it; -f untags; prune then removes it', async (t) => {
  // A separate image from mybox:1 (an import gets its own config, with its time of creation).
  const file = path.join(base, 'rmbox.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', file, '.']);
  const imp = await boxify(['image', 'import', file, 'rmbox:1']);
  t.is(imp.code, 0, imp.stderr);
  const id = imp.stdout.trim();
  const tag = await boxify(['tag', 'rmbox:1', 'rmbox:2']);
  t.is(tag.code, 0, tag.stderr);

  const name = `rmi-user-${daemon.id}`;
  const run = await boxify(['run', '--name', name, 'rmbox:2', 'true']);
  t.is(run.code, 0, run.stderr);
  t.teardown(() => daemon.client.removeContainer(name, { force: true }).catch(() => {}));

  // Another name keeps the image alive: dropping rmbox:1 is fine even now.
  const one = await boxify(['rmi', 'rmbox:1']);
  t.is(one.code, 0, one.stderr);
  t.is(one.stdout, 'Untagged: rmbox:1\n');

  const refused = await boxify(['rmi', 'rmbox:2']);
  t.is(refused.code, 125);
  t.regex(refused.stderr, /^boxify: conflict: .*rmbox:2/);
  t.true(refused.stderr.includes(name), refused.stderr);
  t.notRegex(refused.stderr, NO_STACK);
  t.true((await imageTags()).includes('rmbox:2'), 'nothing removed');
  const byId = await boxify(['image', 'rm', id.slice(7, 19)]);
  t.is(byId.code, 125);
  t.true(byId.stderr.includes(name), byId.stderr);

  const forced = await boxify(['rmi', '-f', 'rmbox:2']);
  t.is(forced.code, 0, forced.stderr);
  t.is(forced.stdout, 'Untagged: rmbox:2\n');
  // The container still runs from its layers.
  t.is((await daemon.client.inspectImage(id)).Id, id);
  const wait = await daemon.client.registerWait(name, 'next-exit');
  const again = await boxify(['start', name]);
  t.is(again.code, 0, again.stderr);
  t.is((await wait.result).StatusCode, 0);

  // While the container is there, prune keeps the (now untagged) image; afterwards it goes.
  const kept = await boxify(['image', 'prune', '-f']);
  t.is(kept.code, 0, kept.stderr);
  t.false(kept.stdout.includes(id));
  await daemon.client.removeContainer(name, { force: true });
  const pruned = await boxify(['image', 'prune', '-f']);
  t.is(pruned.code, 0, pruned.stderr);
  t.regex(pruned.stdout, new RegExp(`^Deleted Images:\ndeleted: ${id}\n\nTotal reclaimed space: [\\d.]+[kM]?B\n$`));
  t.false((await daemon.client.listImages()).some((i) => i.Id === id));
});

test.serial('load -i a docker-save archive built here, and from stdin; the image runs with its config', async (t) => {
  const img = buildImage([{ entries: dirEntries(rootfs) }, { entries: [{ name: 'etc/greeting', data: 'loaded-ok\n' }] }], { Cmd: ['cat', '/etc/greeting'] });
  const file = path.join(base, 'saved.tar');
  fs.writeFileSync(file, dockerSaveTar(img, ['saved:1']));
  const r = await boxify(['load', '-i', file]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'Loaded image: saved:1\n');
  const run = await boxify(['run', '--rm', 'saved:1']);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, 'loaded-ok\n');

  const other = dockerSaveTar(buildImage([{ entries: [{ name: 'x', data: 'y' }] }]), ['fromstdin:2']);
  const s = await boxify(['image', 'load'], { input: gzip(other) });
  t.is(s.code, 0, s.stderr);
  t.is(s.stdout, 'Loaded image: fromstdin:2\n');
  t.true((await imageTags()).includes('fromstdin:2'));
});

test.serial('pull from a loopback registry: quiet lines through a pipe, then run the image', async (t) => {
  const app = buildImage(
    [{ entries: dirEntries(rootfs) }, { entries: [{ name: 'app/hello', data: '#!/bin/sh\necho "hello from $GREETING"\n', mode: 0o755 }] }],
    { Entrypoint: ['/app/hello'], Env: ['GREETING=the-registry', 'PATH=/bin'] },
  );
  const oci = path.join(base, 'oci-app');
  writeOciLayout(oci, [{ img: app, tag: 'v1' }]);
  const ref = `${registry.host}/test/app:v1`;
  await push(oci, 'v1', ref);

  const r = await boxify(['pull', ref]);
  t.is(r.code, 0, `${r.stderr}\n${daemon.output().slice(-2000)}`);
  const lines = r.stdout.trimEnd().split('\n');
  t.is(lines[0], 'v1: Pulling from test/app');
  // The busybox layer may already be stored (the load above made the same one): shared by digest.
  const [baseLayer, appLayer] = app.layers.map((l) => l.digest.slice(7, 19));
  t.true(lines.includes(`${baseLayer}: Already exists`) || lines.includes(`${baseLayer}: Pull complete`), r.stdout);
  t.true(lines.includes(`${appLayer}: Pulling fs layer`), r.stdout);
  t.true(lines.includes(`${appLayer}: Pull complete`), r.stdout);
  t.notRegex(r.stdout, /\x1b|\[=*>? *\]/, 'no escapes or bars through a pipe');
  t.is(lines.at(-1), ref);
  t.is(lines.at(-2), `Status: Downloaded newer image for ${ref}`);

  const run = await boxify(['run', '--rm', ref]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, 'hello from the-registry\n');

  const q = await boxify(['pull', '-q', ref]);
  t.is(q.code, 0, q.stderr);
  t.is(q.stdout, `${ref}\n`);

  const missing = await boxify(['pull', `${registry.host}/test/nothing:1`]);
  t.is(missing.code, 125);
  t.regex(missing.stderr, /^boxify: .*test\/nothing/);
  t.notRegex(missing.stderr, /bug in Boxify/);
});

test.serial('pull on a terminal draws one progress line per layer, redrawn in place', async (t) => {
  const layers = [0, 1, 2].map((i) => ({ entries: [{ name: `data/${i}`, data: crypto.randomBytes(400_000) }], gzip: false }));
  const img = buildImage(layers, { Cmd: ['true'] });
  const oci = path.join(base, 'oci-tty');
  writeOciLayout(oci, [{ img, tag: 't' }]);
  const ref = `${registry.host}/test/tty:t`;
  await push(oci, 't', ref);

  const cols = 120;
  const rows = 30;
  const term = new Terminal({ cols, rows, allowProposedApi: true });
  const pty = spawnPty(process.execPath, [CLI, 'pull', ref], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: base,
    env: { ...(process.env as Record<string, string>), BOXIFY_SOCKET: daemon.socket },
  });
  t.teardown(() => pty.kill());
  let raw = '';
  pty.onData((d) => {
    raw += d;
    term.write(d);
  });
  const code = await new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  await new Promise<void>((r) => term.write('', r));
  const buf = term.buffer.active;
  const screen: string[] = [];
  for (let y = 0; y < buf.length; y++) screen.push(buf.getLine(y)?.translateToString(true) ?? '');
  const text = screen.join('\n');
  t.is(code, 0, text);
  // skopeo compresses the layers on the way in, so their digests are the registry's: each
  // layer id shows on exactly one line, finished.
  const layerLines = screen.filter((line) => /^[0-9a-f]{12}: /.test(line));
  t.is(layerLines.length, 3, text);
  t.is(new Set(layerLines.map((l) => l.slice(0, 12))).size, 3, text);
  for (const l of layerLines) t.regex(l, /^[0-9a-f]{12}: Pull complete$/, text);
  t.true(screen.includes(ref), text);
  t.regex(raw, /\x1b\[\d+A/, 'the drawing moved the cursor up to redraw');
  t.regex(raw, /Downloading \[[= >]+\] {2}[\d.]+[kM]?B\/[\d.]+kB/, 'a progress bar was drawn');
});

test.serial('a missing file, a directory, a corrupt tarball and an unknown image are clear errors; nothing is stored', async (t) => {
  const before = await daemon.client.listImages();
  const missing = path.join(base, 'no-such-dir', 'image.tar');
  const a = await boxify(['load', '-i', missing]);
  t.is(a.code, 125);
  t.is(a.stderr, `boxify: cannot open archive ${missing}: no such file or directory\n`);
  const b = await boxify(['image', 'import', missing, 'x:1']);
  t.is(b.code, 125);
  t.is(b.stderr, `boxify: cannot open tarball ${missing}: no such file or directory\n`);

  const junk = path.join(base, 'junk.tar.gz');
  fs.writeFileSync(junk, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(100, 7)]));
  const c = await boxify(['image', 'import', junk, 'junk:1']);
  t.is(c.code, 125, c.stderr);
  t.regex(c.stderr, /^boxify: \S/);
  t.notRegex(c.stderr, /bug in Boxify/);
  const d = await boxify(['load', '-i', junk]);
  t.is(d.code, 125, d.stderr);
  t.notRegex(d.stderr, /bug in Boxify/);

  const e = await boxify(['image', 'inspect', 'nosuch:1']);
  t.is(e.code, 125);
  t.is(e.stderr, 'boxify: No such image: nosuch:1\n');
  const f = await boxify(['rmi', 'nosuch:1']);
  t.is(f.code, 125);
  t.is(f.stderr, 'boxify: No such image: nosuch:1\n');
  const g = await boxify(['tag', 'nosuch:1', 'other:1']);
  t.is(g.code, 125);
  t.regex(g.stderr, /No such image: nosuch:1/);

  t.deepEqual(await daemon.client.listImages(), before);
});
