// `docker load`: a `docker save` archive (manifest.json + config + layer tars, including the
// OCI layout Docker 25+ writes beside it) or an OCI image layout, as a directory or a tar
// (plain or compressed). Layers are verified against the config's diff IDs (and, in an OCI
// layout, against their blob digests) before the image is registered; a failure leaves the
// store as it was.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { BoxifyError } from '../errors.js';
import { extractLayer, type LayerInput } from './extract.js';
import { parseReference } from './reference.js';
import type { ImageStore, OciImageConfig } from './store.js';
import type { ImageRecord } from './types.js';

export interface LoadResult {
  /** Familiar names tagged by the load ("alpine:latest"). */
  tags: string[];
  /** IDs of every image loaded, tagged or not. */
  ids: string[];
  /** IDs of the images loaded without a name. */
  untagged: string[];
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
};

const badArchive = (msg: string) => new BoxifyError('invalid_argument', `invalid image archive: ${msg}`);

/** Picks linux/amd64 from an index's manifests (the platform Boxify runs). */
export function selectPlatform(manifests: Descriptor[], what: string): Descriptor {
  const images = manifests.filter((m) => m.mediaType !== 'application/vnd.in-toto+json' && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  const hit =
    images.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64') ??
    (images.length === 1 && !images[0]!.platform ? images[0] : undefined);
  if (!hit) {
    const have = images.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : 'unknown')).join(', ');
    throw new BoxifyError('invalid_argument', `${what} has no linux/amd64 image (it has: ${have || 'none'})`);
  }
  return hit;
}

function insideDir(dir: string, rel: string, what: string): string {
  const p = path.resolve(dir, rel);
  if (p !== dir && !p.startsWith(dir + path.sep)) throw badArchive(`${what} "${rel}" points outside the archive`);
  return p;
}

function readJsonFile<T>(file: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw badArchive(`${what} is missing`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw badArchive(`${what} is not valid JSON (${(e as Error).message})`);
  }
}

function sha256File(file: string): string {
  return `sha256:${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

/** Adds each layer not yet present, verified against its diff ID; layers stay pinned until commit. */
async function addLayers(store: ImageStore, diffIds: string[], files: string[], digests: (string | undefined)[], pinned: string[]): Promise<void> {
  for (let i = 0; i < diffIds.length; i++) {
    const diffId = diffIds[i]!;
    if (store.hasLayer(diffId)) {
      store.pin(diffId);
      pinned.push(diffId);
      continue;
    }
    if (!fs.existsSync(files[i]!)) throw badArchive(`layer ${i + 1} (${path.basename(files[i]!)}) is not in the archive`);
    const res = await store.addLayer(files[i]!, { expectedDiffId: diffId, expectedDigest: digests[i] });
    pinned.push(res.diffId);
  }
}

function checkConfig(cfg: OciImageConfig, what: string): string[] {
  const ids = cfg.rootfs?.diff_ids;
  if (!Array.isArray(ids)) throw badArchive(`${what} has no rootfs.diff_ids`);
  return ids;
}

/** Loads every image of an extracted archive or layout directory. */
export async function loadDirectory(store: ImageStore, dir: string): Promise<LoadResult> {
  dir = path.resolve(dir);
  const result: LoadResult = { tags: [], ids: [], untagged: [] };
  const pinned: string[] = [];
  try {
    if (fs.existsSync(path.join(dir, 'manifest.json'))) {
      // docker save (both the classic layout and Docker 25+'s blobs/sha256 paths).
      const manifest = readJsonFile<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]>(path.join(dir, 'manifest.json'), 'manifest.json');
      if (!Array.isArray(manifest) || manifest.length === 0) throw badArchive('manifest.json lists no images');
      const prepared: { config: Buffer; tags: string[] }[] = [];
      for (const [n, m] of manifest.entries()) {
        if (typeof m.Config !== 'string' || !Array.isArray(m.Layers)) throw badArchive(`manifest.json entry ${n + 1} needs Config and Layers`);
        const cfgFile = insideDir(dir, m.Config, 'Config');
        if (!fs.existsSync(cfgFile)) throw badArchive(`config ${m.Config} named by manifest.json is missing`);
        const config = fs.readFileSync(cfgFile);
        const cfg = parseConfig(config, m.Config);
        const diffIds = checkConfig(cfg, m.Config);
        if (diffIds.length !== m.Layers.length) {
          throw badArchive(`${m.Config} lists ${diffIds.length} layers but manifest.json lists ${m.Layers.length}`);
        }
        const tags = (m.RepoTags ?? []).map((t) => parseReference(t).canonical);
        const files = m.Layers.map((l) => insideDir(dir, l, 'layer'));
        await addLayers(store, diffIds, files, files.map(() => undefined), pinned);
        prepared.push({ config, tags });
      }
      for (const p of prepared) record(result, store.commitImage(p.config, { tags: p.tags }), p.tags);
      return result;
    }
    if (fs.existsSync(path.join(dir, 'index.json'))) {
      const index = readJsonFile<{ manifests?: Descriptor[] }>(path.join(dir, 'index.json'), 'index.json');
      if (!Array.isArray(index.manifests) || index.manifests.length === 0) throw badArchive('index.json lists no manifests');
      const blob = (d: Descriptor, what: string): string => {
        const m = /^sha256:([a-f0-9]{64})$/.exec(d.digest ?? '');
        if (!m) throw badArchive(`${what} has a bad digest "${d.digest}"`);
        const f = path.join(dir, 'blobs', 'sha256', m[1]!);
        if (!fs.existsSync(f)) throw badArchive(`${what} ${d.digest} is missing from blobs/sha256`);
        return f;
      };
      const verified = (d: Descriptor, what: string): Buffer => {
        const f = blob(d, what);
        if (sha256File(f) !== d.digest) throw badArchive(`digest mismatch: ${what} ${d.digest} has different content`);
        return fs.readFileSync(f);
      };
      const prepared: { config: Buffer; tags: string[] }[] = [];
      for (const top of index.manifests) {
        const tags = tagsOf(top);
        let desc = top;
        let doc = JSON.parse(verified(desc, 'manifest').toString('utf8')) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
        for (let depth = 0; Array.isArray(doc.manifests); depth++) {
          if (depth > 4) throw badArchive('image indexes nested too deeply');
          desc = selectPlatform(doc.manifests, `index ${desc.digest}`);
          doc = JSON.parse(verified(desc, 'manifest').toString('utf8'));
        }
        if (!doc.config || !Array.isArray(doc.layers)) throw badArchive(`manifest ${desc.digest} has no config or layers`);
        const config = verified(doc.config, 'config');
        const diffIds = checkConfig(parseConfig(config, doc.config.digest), `config ${doc.config.digest}`);
        if (diffIds.length !== doc.layers.length) throw badArchive(`manifest ${desc.digest} and its config disagree on the number of layers`);
        const files = doc.layers.map((l, i) => blob(l, `layer ${i + 1}`));
        await addLayers(store, diffIds, files, doc.layers.map((l) => l.digest), pinned);
        prepared.push({ config, tags });
      }
      for (const p of prepared) record(result, store.commitImage(p.config, { tags: p.tags }), p.tags);
      return result;
    }
    throw badArchive('neither manifest.json (docker save) nor index.json (OCI layout) found');
  } finally {
    for (const d of pinned) store.unpin(d);
    store.collectLayers();
  }
}

function parseConfig(buf: Buffer, what: string): OciImageConfig {
  try {
    return JSON.parse(buf.toString('utf8')) as OciImageConfig;
  } catch (e) {
    throw badArchive(`${what} is not valid JSON (${(e as Error).message})`);
  }
}

/** The names an OCI index entry carries: containerd's full name, or a ref.name that is a full reference. */
function tagsOf(d: Descriptor): string[] {
  const full = d.annotations?.['io.containerd.image.name'];
  if (full) return [parseReference(full).canonical];
  const name = d.annotations?.['org.opencontainers.image.ref.name'];
  // A bare tag ("v1") names no repository; only a full reference can become a tag.
  if (name && (name.includes('/') || name.includes(':'))) {
    try {
      return [parseReference(name).canonical];
    } catch {
      return [];
    }
  }
  return [];
}

function record(result: LoadResult, img: ImageRecord, tags: string[]): void {
  result.ids.push(img.id);
  if (tags.length === 0) result.untagged.push(img.id);
  for (const t of tags) result.tags.push(parseReference(t).familiar);
}

/**
 * Loads an archive: a tar (plain or compressed) file or stream, or a layout directory. The
 * archive is unpacked under the store's tmp/ (with the same escape checks as a layer) and
 * removed afterwards.
 */
export async function loadArchive(store: ImageStore, input: LayerInput): Promise<LoadResult> {
  if (typeof input === 'string' && fs.statSync(input, { throwIfNoEntry: false })?.isDirectory()) {
    return loadDirectory(store, input);
  }
  if (typeof input === 'string' && !fs.existsSync(input)) throw new BoxifyError('invalid_argument', `cannot read ${input}: no such file`);
  const work = store.makeTmp('load');
  try {
    const dir = path.join(work, 'archive');
    await extractLayer(input, dir).catch((e: unknown) => {
      if (e instanceof BoxifyError && e.isUserError) throw badArchive((e.message ?? '').replace(/^invalid layer: /, ''));
      throw e;
    });
    return await loadDirectory(store, dir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
