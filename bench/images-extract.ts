// Benchmarks, run by hand as root (`node dist/bench/images-extract.js [DIR]`):
//  1. Layer extraction throughput of Boxify's tar reader against GNU tar on the same tarball,
//     plain and gzip (median of 3 runs each, into fresh directories under /tmp).
//  2. Pull of a 3-layer image from a loopback registry (Debian's docker-registry) with
//     Boxify (download + verify + extract) against `skopeo copy` to a local directory
//     (download + verify only).
// Runs on a tmpfs mounted for the purpose (BENCH_DISK=1 for /tmp's disk).
// DIR (default: this checkout's node_modules) is the tree the tarballs are made from.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { extractLayer } from '../src/core/images/extract.js';
import { ImageStore } from '../src/core/images/store.js';
import { pullImage } from '../src/core/images/registry.js';
import { startRegistry } from '../test/integration/images-registry-fixture.js';

const src = path.resolve(process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../../node_modules'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bxt-bench-images-'));
// On tmpfs by default: this VM's disk writeback makes on-disk timings vary 3x run to run,
// which hides the extractor's own cost. BENCH_DISK=1 measures on /tmp's disk instead.
const onTmpfs = !process.env.BENCH_DISK;
if (onTmpfs) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4g', 'tmpfs', work]);
const RUNS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function fresh(name: string): string {
  const d = path.join(work, `${name}-${crypto.randomBytes(4).toString('hex')}`);
  return d;
}

function sha(b: Buffer): string {
  return `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
}

async function extractionBench(): Promise<void> {
  const tarFile = path.join(work, 'layer.tar');
  execFileSync('tar', ['-C', src, '--numeric-owner', '-cf', tarFile, '.']);
  execFileSync('gzip', ['-k', '-1', tarFile]);
  const size = fs.statSync(tarFile).size;
  const files = Number(execFileSync('sh', ['-c', `tar -tf ${tarFile} | wc -l`]).toString().trim());
  console.log(`work dir on ${onTmpfs ? 'tmpfs' : 'disk'}`);
  console.log(`tarball: ${src} -> ${(size / 1e6).toFixed(1)} MB uncompressed, ${files} entries`);
  for (const [label, file] of [['plain', tarFile], ['gzip', `${tarFile}.gz`]] as const) {
    const gnu: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const d1 = fresh('gnu');
      fs.mkdirSync(d1);
      gnu.push(await time(() => void execFileSync('tar', ['-C', d1, '--numeric-owner', '-xpf', file])));
      const d2 = fresh('ours');
      ours.push(await time(async () => void (await extractLayer(file, d2))));
      fs.rmSync(d1, { recursive: true, force: true });
      fs.rmSync(d2, { recursive: true, force: true });
    }
    const g = median(gnu);
    const o = median(ours);
    console.log(
      `extract ${label.padEnd(5)}: GNU tar ${g.toFixed(0)} ms (${(size / 1e3 / g).toFixed(0)} MB/s), Boxify ${o.toFixed(0)} ms (${(size / 1e3 / o).toFixed(0)} MB/s), ratio Boxify/GNU ${(o / g).toFixed(2)}x time`,
    );
  }
}

async function pullBench(): Promise<void> {
  // Three layers: three slices of the source tree, gzip-compressed, in an OCI layout.
  const entries = fs.readdirSync(src).sort();
  const thirds = [0, 1, 2].map((i) => entries.filter((_, j) => j % 3 === i));
  const layout = path.join(work, 'oci');
  fs.mkdirSync(path.join(layout, 'blobs/sha256'), { recursive: true });
  const blob = (b: Buffer) => {
    fs.writeFileSync(path.join(layout, 'blobs/sha256', sha(b).slice(7)), b);
    return sha(b);
  };
  const layers = thirds.map((names) => {
    const tar = execFileSync('tar', ['-C', src, '--numeric-owner', '-cf', '-', ...names], { maxBuffer: 1 << 30 });
    const gz = execFileSync('gzip', ['-1'], { input: tar, maxBuffer: 1 << 30 });
    return { diffId: sha(tar), digest: blob(gz), size: gz.length };
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  const md = blob(manifest);
  fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
  );
  const total = layers.reduce((n, l) => n + l.size, 0);
  const registry = await startRegistry(path.join(work, 'registry'));
  try {
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/bench/img:v1`]);
    const ours: number[] = [];
    const sko: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const root = fresh('store');
      const store = new ImageStore(root);
      store.init();
      ours.push(await time(async () => void (await pullImage(store, `${registry.host}/bench/img:v1`))));
      fs.rmSync(root, { recursive: true, force: true });
      const dir = fresh('skopeo');
      sko.push(await time(() => void execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/bench/img:v1`, `dir:${dir}`])));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `pull 3 layers (${(total / 1e6).toFixed(1)} MB gzip): Boxify pull+extract ${median(ours).toFixed(0)} ms, skopeo copy to dir ${median(sko).toFixed(0)} ms, ratio ${(median(ours) / median(sko)).toFixed(2)}x`,
    );
  } finally {
    await registry.stop();
  }
}

try {
  await extractionBench();
  await pullBench();
} finally {
  if (onTmpfs) execFileSync('umount', [work]);
  fs.rmSync(work, { recursive: true, force: true });
}
