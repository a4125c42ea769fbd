// The image store's view that containers need: a resolved image is an ordered list of
// extracted layer directories (bottom first) plus the image config.

export interface ImageConfig {
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
}

export interface ImageRecord {
  /** "sha256:<64 hex>": the digest of the image config (Docker's image ID). */
  id: string;
  /** Normalised references, e.g. "docker.io/library/alpine:latest" is shown as "alpine:latest". */
  repoTags: string[];
  repoDigests: string[];
  /** ISO time. */
  created: string;
  /** Bytes on disk of all layers. */
  size: number;
  /** Layer digests, bottom first ("sha256:..." of the uncompressed tar: the diff IDs). */
  layers: string[];
  config: ImageConfig;
  architecture: string;
  os: string;
  /**
   * Layers that live outside the store, by diff ID -> directory (the seed's extracted
   * rootfs). The store reads them in place and never deletes them.
   */
  externalLayers?: Record<string, string>;
}
