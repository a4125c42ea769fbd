// The image store. Layout under its root (`<stateRoot>/images`):
//   layers/<hex>/          one extracted layer per diff ID, shared by every image using it
//   db/images/<hex>.json   one record per image (hex of the image ID = config digest)
//   db/layers/<hex>.json   per-layer facts ({size})
//   db/tags.json           canonical "registry/repo:tag" -> image ID, rewritten atomically
//   tmp/                   work in progress (extractions, downloads); emptied by init()
// Every write goes to tmp/ or a *.tmp file first and is renamed into place, so a crash
// leaves either the old state or the new one, plus leftovers that init() removes.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { BoxifyError, errors } from '../errors.js';
import { buildBusyboxRootfs } from './busybox.js';
import { extractLayer, type ExtractOptions, type ExtractResult, type LayerInput } from './extract.js';
import { loadArchive, type LoadResult } from './archive.js';
import { looksLikeId, parseReference } from './reference.js';
import type { ImageConfig, ImageRecord } from './types.js';

export const DEFAULT_IMAGE = 'busybox:latest';
export const SEED_IMAGE = 'boxify-rootfs:latest';

/** What `remove` reports, in Docker's `DELETE /images/{name}` shape. */
export type RemoveItem = { Untagged?: string; Deleted?: string };

export interface RemoveOptions {
  force: boolean;
  /** Whether a container uses the image; a string names that container for the error. */
  inUse: (imageId: string) => boolean | string;
}

/** An OCI/Docker image config (the JSON whose sha256 is the image ID), as far as we read it. */
export interface OciImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  config?: ImageConfig & Record<string, unknown>;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: unknown[];
  [k: string]: unknown;
}

const HEX64 = /^[a-f0-9]{64}$/;

function hexOf(digest: string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  if (!HEX64.test(hex)) throw errors.internal(`not a sha256 digest: ${digest}`);
  return hex;
}

function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw errors.internal(`image store file ${file} is unreadable: ${(e as Error).message}`, e);
  }
}

/** Stored form of a record: repo tags live in tags.json, not here. */
type StoredRecord = Omit<ImageRecord, 'repoTags'>;

export class ImageStore {
  readonly layersDir: string;
  readonly dbDir: string;
  readonly tmpDir: string;
  private readonly imagesDir: string;
  private readonly layerMetaDir: string;
  private readonly tagsFile: string;
  /** Layers added by imports still in progress: never collected. */
  private readonly pinned = new Map<string, number>();

  /** `warn` hears what extraction skipped on purpose (device nodes and the like). */
  constructor(
    readonly root: string,
    private readonly opts: { warn?: (msg: string) => void } = {},
  ) {
    this.layersDir = path.join(root, 'layers');
    this.dbDir = path.join(root, 'db');
    this.tmpDir = path.join(root, 'tmp');
    this.imagesDir = path.join(this.dbDir, 'images');
    this.layerMetaDir = path.join(this.dbDir, 'layers');
    this.tagsFile = path.join(this.dbDir, 'tags.json');
  }

  /** Creates the layout and removes what a crash left: tmp/ contents, *.tmp files, unreferenced layers. */
  init(): void {
    for (const d of [this.layersDir, this.imagesDir, this.layerMetaDir, this.tmpDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    for (const e of fs.readdirSync(this.tmpDir)) fs.rmSync(path.join(this.tmpDir, e), { recursive: true, force: true });
    for (const d of [this.dbDir, this.imagesDir, this.layerMetaDir]) {
      for (const e of fs.readdirSync(d)) if (e.endsWith('.tmp')) fs.rmSync(path.join(d, e), { force: true });
    }
    // A tag naming a record that never got written (crash between the two) is dropped.
    const tags = this.readTags();
    let changed = false;
    for (const [name, id] of Object.entries(tags)) {
      if (!fs.existsSync(this.recordFile(id))) {
        delete tags[name];
        changed = true;
      }
    }
    if (changed) this.writeTags(tags);
    this.collectLayers();
  }

  // -------------------------------------------------------------------------------------
  // Reading

  list(): ImageRecord[] {
    const byId = new Map<string, string[]>();
    for (const [name, id] of Object.entries(this.readTags())) byId.set(id, [...(byId.get(id) ?? []), name]);
    const out: ImageRecord[] = [];
    for (const f of fs.readdirSync(this.imagesDir)) {
      if (!f.endsWith('.json')) continue;
      const rec = readJson<StoredRecord>(path.join(this.imagesDir, f));
      if (!rec) continue;
      out.push({ ...rec, repoTags: (byId.get(rec.id) ?? []).map((n) => parseReference(n).familiar).sort() });
    }
    return out.sort((a, b) => b.created.localeCompare(a.created));
  }

  /** The image for a name[:tag], name@digest, full or bare ID, or unique ID prefix. */
  resolve(ref: string): ImageRecord {
    const found = this.find(ref);
    if (!found) throw errors.noSuchImage(ref);
    return found;
  }

  /** Like resolve, but undefined when there is no such image. Invalid references still throw 400. */
  find(ref: string): ImageRecord | undefined {
    if (typeof ref !== 'string' || ref === '') throw errors.invalid('image', 'the image reference is empty');
    const idLike = looksLikeId(ref);
    if (/^sha256:[a-f0-9]{64}$/.test(ref)) return this.get(ref);
    let parsed;
    try {
      parsed = parseReference(ref);
    } catch (e) {
      if (!idLike) throw e;
    }
    if (parsed) {
      const tags = this.readTags();
      if (parsed.digest) {
        const want = `${parsed.fullName}@${parsed.digest}`;
        const hit = this.list().find((r) => r.repoDigests.some((d) => parseReference(d).canonical === want));
        if (hit) return hit;
      } else {
        const id = tags[parsed.canonical];
        if (id) {
          const rec = this.get(id);
          if (rec) return rec;
        }
      }
    }
    if (idLike) {
      const prefix = ref.replace(/^sha256:/, '');
      const hits = fs
        .readdirSync(this.imagesDir)
        .filter((f) => f.endsWith('.json') && f.startsWith(prefix))
        .map((f) => f.slice(0, -5));
      if (hits.length > 1) {
        throw new BoxifyError('invalid_argument', `image ID prefix "${ref}" is ambiguous (${hits.length} images match): give more characters`);
      }
      if (hits.length === 1) return this.get(`sha256:${hits[0]}`);
    }
    return undefined;
  }

  /** The image with this exact ID ("sha256:<hex>"), with its tags filled in. */
  get(id: string): ImageRecord | undefined {
    const rec = readJson<StoredRecord>(this.recordFile(id));
    if (!rec) return undefined;
    const repoTags = Object.entries(this.readTags())
      .filter(([, v]) => v === id)
      .map(([k]) => parseReference(k).familiar)
      .sort();
    return { ...rec, repoTags };
  }

  /** The extracted layer directories of an image, bottom first (reverse them for overlay's lowerdir). */
  layerDirs(img: ImageRecord): string[] {
    return img.layers.map((d) => {
      const dir = img.externalLayers?.[d] ?? this.layerDir(d);
      if (!fs.existsSync(dir)) throw errors.internal(`layer ${d} of image ${img.id} is missing from ${dir}: remove the image and import or pull it again`);
      return dir;
    });
  }

  layerDir(diffId: string): string {
    return path.join(this.layersDir, hexOf(diffId));
  }

  hasLayer(diffId: string): boolean {
    return fs.existsSync(this.layerDir(diffId));
  }

  // -------------------------------------------------------------------------------------
  // Adding layers and images

  /** A fresh directory under tmp/ (removed by init() if a crash leaves it). */
  makeTmp(prefix: string): string {
    return fs.mkdtempSync(path.join(this.tmpDir, `${prefix}-`));
  }

  /**
   * Extracts a layer tar (plain or compressed) and moves it into layers/ under its diff ID.
   * An already present layer is kept and the new copy discarded. The layer is pinned
   * (safe from collection) until `unpin`; callers pin while they build an image.
   */
  async addLayer(input: LayerInput, opts: ExtractOptions = {}): Promise<ExtractResult> {
    const work = this.makeTmp('layer');
    const dest = path.join(work, 'rootfs');
    try {
      const res = await extractLayer(input, dest, opts);
      for (const w of res.warnings) this.opts.warn?.(`layer ${res.diffId}: ${w}`);
      this.pin(res.diffId);
      this.moveLayerIntoPlace(dest, res.diffId, res.size);
      return res;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  private moveLayerIntoPlace(dir: string, diffId: string, size: number): void {
    const target = this.layerDir(diffId);
    writeFileAtomic(this.layerMetaFile(diffId), JSON.stringify({ size }));
    try {
      fs.renameSync(dir, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Another import got there first with the same content: keep theirs.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    }
  }

  pin(diffId: string): void {
    this.pinned.set(diffId, (this.pinned.get(diffId) ?? 0) + 1);
  }

  unpin(diffId: string): void {
    const n = (this.pinned.get(diffId) ?? 1) - 1;
    if (n <= 0) this.pinned.delete(diffId);
    else this.pinned.set(diffId, n);
  }

  /**
   * Registers an image from its config bytes (whose sha256 is the image ID) once all its
   * layers are in place, then points `tags` at it (moving them off any other image).
   */
  commitImage(configBytes: Buffer, opts: { tags?: string[]; repoDigests?: string[]; externalLayers?: Record<string, string> } = {}): ImageRecord {
    let cfg: OciImageConfig;
    try {
      cfg = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
    } catch (e) {
      throw new BoxifyError('invalid_argument', `invalid image config: ${(e as Error).message}`);
    }
    const diffIds = cfg.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(d))) {
      throw new BoxifyError('invalid_argument', 'invalid image config: rootfs.diff_ids must be a list of sha256 digests');
    }
    if (cfg.os && cfg.os !== 'linux') throw new BoxifyError('invalid_argument', `image is for os "${cfg.os}"; Boxify runs linux images`);
    let size = 0;
    for (const d of diffIds) {
      if (opts.externalLayers?.[d]) continue;
      if (!this.hasLayer(d)) throw errors.internal(`layer ${d} is not in the store`);
      size += readJson<{ size: number }>(this.layerMetaFile(d))?.size ?? 0;
    }
    const id = `sha256:${crypto.createHash('sha256').update(configBytes).digest('hex')}`;
    const old = readJson<StoredRecord>(this.recordFile(id));
    const rec: StoredRecord = {
      id,
      repoDigests: [...new Set([...(old?.repoDigests ?? []), ...(opts.repoDigests ?? [])])],
      created: cfg.created ?? new Date().toISOString(),
      size,
      layers: diffIds,
      config: cfg.config ?? {},
      architecture: cfg.architecture ?? 'amd64',
      os: cfg.os ?? 'linux',
      ...(opts.externalLayers ? { externalLayers: opts.externalLayers } : {}),
    };
    writeFileAtomic(this.recordFile(id), JSON.stringify(rec, null, 1));
    for (const t of opts.tags ?? []) this.setTag(t, id);
    return this.get(id)!;
  }

  /** Builds a single-layer image config for a layer made here (import, default image, seed). */
  private singleLayerConfig(diffId: string, config: ImageConfig, comment: string): Buffer {
    const created = new Date().toISOString();
    return Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created,
        config,
        rootfs: { type: 'layers', diff_ids: [diffId] },
        history: [{ created, created_by: comment }],
      }),
    );
  }

  /** A rootfs tarball (plain, gzip, xz, zstd) becomes a one-layer image. */
  async importTarball(input: LayerInput, ref?: string, config: ImageConfig = {}): Promise<ImageRecord> {
    const tags = ref ? [parseReference(ref).canonical] : [];
    const res = await this.addLayer(input);
    try {
      return this.commitImage(this.singleLayerConfig(res.diffId, config, 'boxify image import'), { tags });
    } finally {
      this.unpin(res.diffId);
      this.collectLayers();
    }
  }

  /** `docker load`: a docker-save archive or OCI layout (tar, compressed tar, or directory). */
  load(input: LayerInput): Promise<LoadResult> {
    return loadArchive(this, input);
  }

  /** A directory tree becomes a one-layer image (copied through tar, so it gets a real diff ID). */
  async importDirectory(dir: string, ref?: string, config: ImageConfig = {}): Promise<ImageRecord> {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw errors.invalid('directory', `${dir} is not a directory`);
    const child = spawn('tar', ['-C', dir, '--sort=name', '--numeric-owner', '--xattrs', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? -1));
    });
    const img = await this.importTarball(child.stdout, ref, config).catch(async (e) => {
      child.kill();
      await exited.catch(() => {});
      throw e;
    });
    const code = await exited;
    if (code !== 0) throw errors.internal(`tar -C ${dir} -c failed (exit ${code}): ${stderr.trim()}`);
    return img;
  }

  /**
   * The image that needs no download: `busybox:latest`, built from the host's static busybox
   * the first time. Cheap when present (one tags lookup).
   */
  ensureDefaultImage(): ImageRecord {
    const present = this.find(DEFAULT_IMAGE);
    if (present) return present;
    const work = this.makeTmp('busybox');
    try {
      const dir = path.join(work, 'rootfs');
      buildBusyboxRootfs(dir);
      // The diff ID is the digest of the tar of the tree, as for any other layer.
      const tar = spawnSync('tar', ['-C', dir, '--sort=name', '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 256 << 20 });
      if (tar.status !== 0) throw errors.internal(`tar -C ${dir} -c failed: ${String(tar.stderr ?? tar.error).trim()}`);
      const diffId = `sha256:${crypto.createHash('sha256').update(tar.stdout).digest('hex')}`;
      const size = fs.statSync(path.join(dir, 'bin/busybox')).size;
      this.pin(diffId);
      try {
        this.moveLayerIntoPlace(dir, diffId, size);
        return this.commitImage(this.singleLayerConfig(diffId, { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] }, 'boxify default image from the host busybox'), {
          tags: [parseReference(DEFAULT_IMAGE).canonical],
        });
      } finally {
        this.unpin(diffId);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * Registers an extracted rootfs directory outside the store (the seed's
   * /var/lib/boxify/boxify-rootfs) as `boxify-rootfs:latest`, and as `alpine:latest` when
   * it is Alpine and no alpine image exists. Its single layer IS that directory: nothing is
   * copied, and the store never deletes it. The layer's ID is derived from the path.
   */
  registerSeedRootfs(dir: string): ImageRecord {
    const abs = fs.realpathSync(dir);
    if (!fs.statSync(abs).isDirectory()) throw errors.invalid('rootfs', `${dir} is not a directory`);
    const diffId = `sha256:${crypto.createHash('sha256').update(`boxify-seed-rootfs:${abs}`).digest('hex')}`;
    const existing = this.find(SEED_IMAGE);
    const tags = [parseReference(SEED_IMAGE).canonical];
    if (fs.existsSync(path.join(abs, 'etc/alpine-release')) && !this.find('alpine:latest')) tags.push(parseReference('alpine:latest').canonical);
    if (existing && existing.layers.length === 1 && existing.layers[0] === diffId) {
      for (const t of tags) this.setTag(t, existing.id);
      return this.get(existing.id)!;
    }
    const config = { Cmd: ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };
    return this.commitImage(this.singleLayerConfig(diffId, config, `boxify seed rootfs ${abs}`), {
      tags,
      externalLayers: { [diffId]: abs },
    });
  }

  // -------------------------------------------------------------------------------------
  // Tags and removal

  /** Points `target` (a name[:tag]) at the image `source` resolves to. */
  tag(source: string, target: string): ImageRecord {
    const img = this.resolve(source);
    const ref = parseReference(target);
    if (ref.digest) throw errors.invalid('tag', `"${target}": a tag cannot contain a digest`);
    this.setTag(ref.canonical, img.id);
    return this.get(img.id)!;
  }

  private setTag(canonical: string, id: string): void {
    const tags = this.readTags();
    if (tags[canonical] === id) return;
    tags[canonical] = id;
    this.writeTags(tags);
  }

  /**
   * Docker's `rmi`: a name removes that tag, and the image once no tag is left; an ID
   * removes the image (refused when several repositories reference it, unless forced).
   * An image a container uses is refused (409) unless forced; forced, it is only untagged,
   * because the container's overlay still reads its layers.
   */
  remove(ref: string, opts: RemoveOptions): RemoveItem[] {
    const img = this.resolve(ref);
    const tags = this.readTags();
    const names = Object.entries(tags).filter(([, v]) => v === img.id).map(([k]) => k);
    let byName: string | undefined;
    if (!(/^sha256:/.test(ref) || (looksLikeId(ref) && img.id.slice(7).startsWith(ref)))) {
      const p = parseReference(ref);
      if (!p.digest && tags[p.canonical] === img.id) byName = p.canonical;
    }
    const user = opts.inUse(img.id);
    const short = img.id.slice(7, 19);
    const out: RemoveItem[] = [];
    const untag = (n: string) => {
      delete tags[n];
      out.push({ Untagged: parseReference(n).familiar });
    };

    if (byName && names.length > 1) {
      // Other names keep the image alive: just drop this one.
      untag(byName);
      this.writeTags(tags);
      return out;
    }
    if (user) {
      const who = typeof user === 'string' ? `container ${user.slice(0, 12)}` : 'a container';
      if (!opts.force) {
        throw errors.conflict(
          byName
            ? `conflict: unable to remove repository reference "${ref}" (must force) - ${who} is using its referenced image ${short}`
            : `conflict: unable to delete ${short} (must be forced) - image is being used by ${who}`,
        );
      }
      for (const n of names) untag(n);
      this.writeTags(tags);
      return out;
    }
    if (!byName && names.length > 1 && !opts.force) {
      throw errors.conflict(`conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
    }
    for (const n of names) untag(n);
    this.writeTags(tags);
    fs.rmSync(this.recordFile(img.id), { force: true });
    out.push({ Deleted: img.id });
    this.collectLayers();
    return out;
  }

  /** Removes untagged images no container uses (all unused images with `all`). */
  prune(opts: { all?: boolean; inUse: (imageId: string) => boolean | string }): { ImagesDeleted: RemoveItem[]; SpaceReclaimed: number } {
    const deleted: RemoveItem[] = [];
    let space = 0;
    for (const img of this.list()) {
      if (opts.inUse(img.id)) continue;
      if (img.repoTags.length && !opts.all) continue;
      const before = this.layerBytes();
      deleted.push(...this.remove(img.id, { force: true, inUse: () => false }));
      space += Math.max(0, before - this.layerBytes());
    }
    return { ImagesDeleted: deleted, SpaceReclaimed: space };
  }

  private layerBytes(): number {
    let n = 0;
    for (const f of fs.readdirSync(this.layerMetaDir)) {
      if (f.endsWith('.json')) n += readJson<{ size: number }>(path.join(this.layerMetaDir, f))?.size ?? 0;
    }
    return n;
  }

  /** Deletes layers no image references (and none an import in progress holds). */
  collectLayers(): void {
    const used = new Set<string>();
    for (const f of fs.readdirSync(this.imagesDir)) {
      if (!f.endsWith('.json')) continue;
      for (const d of readJson<StoredRecord>(path.join(this.imagesDir, f))?.layers ?? []) used.add(d);
    }
    for (const d of this.pinned.keys()) used.add(d);
    for (const hex of fs.readdirSync(this.layersDir)) {
      if (used.has(`sha256:${hex}`)) continue;
      // Renamed away first, so a crash mid-delete never leaves half a layer under its name.
      const doomed = path.join(this.tmpDir, `gc-${hex}-${crypto.randomBytes(4).toString('hex')}`);
      try {
        fs.renameSync(path.join(this.layersDir, hex), doomed);
      } catch {
        continue;
      }
      fs.rmSync(path.join(this.layerMetaDir, `${hex}.json`), { force: true });
      fs.rmSync(doomed, { recursive: true, force: true });
    }
    for (const f of fs.readdirSync(this.layerMetaDir)) {
      const hex = f.replace(/\.json$/, '');
      if (f.endsWith('.json') && !used.has(`sha256:${hex}`) && !fs.existsSync(path.join(this.layersDir, hex))) {
        fs.rmSync(path.join(this.layerMetaDir, f), { force: true });
      }
    }
  }

  // -------------------------------------------------------------------------------------

  private recordFile(id: string): string {
    return path.join(this.imagesDir, `${hexOf(id)}.json`);
  }

  private layerMetaFile(diffId: string): string {
    return path.join(this.layerMetaDir, `${hexOf(diffId)}.json`);
  }

  private readTags(): Record<string, string> {
    return readJson<Record<string, string>>(this.tagsFile) ?? {};
  }

  private writeTags(tags: Record<string, string>): void {
    const sorted = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
    writeFileAtomic(this.tagsFile, JSON.stringify(sorted, null, 1));
  }
}
