// Builders for the image tests: a small tar writer (so tests can make archives GNU tar
// refuses to make, like entries with ../), busybox rootfs tarballs, docker-save archives and
// OCI layouts, and a snapshot of a store's directories to prove a failure left no trace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { buildBusyboxRootfs } from '../../src/core/images/busybox.js';

export interface TarEntry {
  name: string;
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6' | 'x' | 'L';
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0') + '\0';
}

export function tarHeader(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name.slice(0, 100), 0, 'utf8');
  h.write(octal(e.mode ?? (e.type === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  h.write(octal(e.uid ?? 0, 8), 108, 'latin1');
  h.write(octal(e.gid ?? 0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(e.mtime ?? 1700000000, 12), 136, 'latin1');
  h.write(e.type ?? '0', 156, 'latin1');
  h.write((e.linkname ?? '').slice(0, 100), 157, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write(octal(e.devmajor ?? 0, 8), 329, 'latin1');
  h.write(octal(e.devminor ?? 0, 8), 337, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** A tar archive of the entries, with long names as PAX records. */
export function makeTar(entries: TarEntry[], opts: { noTrailer?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
  for (const e of entries) {
    if (Buffer.byteLength(e.name) > 100 || Buffer.byteLength(e.linkname ?? '') > 100) {
      const rec = (k: string, v: string) => {
        const body = ` ${k}=${v}\n`;
        let len = body.length + 1;
        while (String(len).length + body.length !== len) len = String(len).length + body.length;
        return `${len}${body}`;
      };
      let pax = rec('path', e.name);
      if (e.linkname) pax += rec('linkpath', e.linkname);
      const pb = Buffer.from(pax);
      parts.push(tarHeader({ name: 'PaxHeader', type: 'x' }, pb.length), pb, pad(pb.length));
    }
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    parts.push(tarHeader(e, data.length), data, pad(data.length));
  }
  if (!opts.noTrailer) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(b: Buffer): string {
  return `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** A busybox rootfs as a tar (GNU tar, numeric owners), the way a rootfs tarball looks. */
export function busyboxTar(dir: string): Buffer {
  const root = path.join(dir, 'bbroot');
  buildBusyboxRootfs(root);
  const tar = execFileSync('tar', ['-C', root, '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 64 << 20 });
  fs.rmSync(root, { recursive: true, force: true });
  return tar;
}

export function gzip(b: Buffer): Buffer {
  return zlib.gzipSync(b);
}

export function xz(b: Buffer): Buffer {
  return execFileSync('xz', ['-c', '-1'], { input: b, maxBuffer: 64 << 20 });
}

/** Every path under the store (relative), to compare before and after a failed operation. */
export function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string, depth: number) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      out.push(r);
      // Layer contents are not listed, only which layers exist.
      if (e.isDirectory() && depth < 2 && !r.startsWith('layers/')) walk(path.join(d, e.name), r, depth + 1);
    }
  };
  walk(root, '', 0);
  return out.sort();
}

export interface LayerSpec {
  entries: TarEntry[];
  gzip?: boolean;
}

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  layers: { blob: Buffer; digest: string; diffId: string; mediaType: string }[];
  manifest: Buffer;
  manifestDigest: string;
}

/** An image: config + layers (gzip by default), and its OCI manifest. */
export function buildImage(layers: LayerSpec[], config: Record<string, unknown> = {}, arch = 'amd64'): BuiltImage {
  const built = layers.map((l) => {
    const tar = makeTar(l.entries);
    const blob = l.gzip === false ? tar : gzip(tar);
    return {
      blob,
      digest: sha256(blob),
      diffId: sha256(tar),
      mediaType: l.gzip === false ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.oci.image.layer.v1.tar+gzip',
    };
  });
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config,
      rootfs: { type: 'layers', diff_ids: built.map((b) => b.diffId) },
      history: built.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test' })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(cfg), size: cfg.length },
      layers: built.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.blob.length })),
    }),
  );
  return { config: cfg, configDigest: sha256(cfg), layers: built, manifest, manifestDigest: sha256(manifest) };
}

function writeBlob(dir: string, b: Buffer): string {
  const d = sha256(b);
  const p = path.join(dir, 'blobs', 'sha256', d.slice(7));
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, b);
  return d;
}

/**
 * An OCI image layout directory holding `images` under their tags; with `index` set, the
 * tag points at an image index (manifest list) of all of them instead.
 */
export function writeOciLayout(dir: string, images: { img: BuiltImage; tag?: string; platform?: { architecture: string; os: string } }[], indexTag?: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests: unknown[] = [];
  for (const { img, tag, platform } of images) {
    writeBlob(dir, img.config);
    for (const l of img.layers) writeBlob(dir, l.blob);
    writeBlob(dir, img.manifest);
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: img.manifestDigest,
      size: img.manifest.length,
      ...(platform ? { platform } : {}),
      ...(tag && !indexTag ? { annotations: { 'org.opencontainers.image.ref.name': tag } } : {}),
    });
  }
  let top = manifests;
  if (indexTag) {
    const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
    const d = writeBlob(dir, list);
    top = [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: d,
        size: list.length,
        annotations: { 'org.opencontainers.image.ref.name': indexTag },
      },
    ];
  }
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: top }));
}

/** A classic `docker save` archive (manifest.json, <config>.json, <id>/layer.tar) as a tar. */
export function dockerSaveTar(img: BuiltImage, repoTags: string[]): Buffer {
  const entries: TarEntry[] = [];
  const layerPaths: string[] = [];
  img.layers.forEach((l, i) => {
    const id = crypto.createHash('sha256').update(`layer${i}${l.diffId}`).digest('hex');
    entries.push({ name: `${id}/`, type: '5' });
    const tar = l.blob[0] === 0x1f ? zlib.gunzipSync(l.blob) : l.blob;
    entries.push({ name: `${id}/layer.tar`, data: tar });
    layerPaths.push(`${id}/layer.tar`);
  });
  const cfgName = `${img.configDigest.slice(7)}.json`;
  entries.push({ name: cfgName, data: img.config });
  entries.push({ name: 'manifest.json', data: JSON.stringify([{ Config: cfgName, RepoTags: repoTags, Layers: layerPaths }]) });
  return makeTar(entries);
}

/** A tar of a directory (GNU tar). */
export function tarDir(dir: string): Buffer {
  return execFileSync('tar', ['-C', dir, '-cf', '-', '.'], { maxBuffer: 256 << 20 });
}
