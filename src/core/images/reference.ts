// Image references with Docker's normalisation rules (distribution/reference):
// `alpine` is `docker.io/library/alpine:latest`, `localhost:5000/x` keeps its registry,
// `index.docker.io` is `docker.io`. Invalid references are 400s that name the reference.
import { BoxifyError } from '../errors.js';

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface ImageReference {
  /** "docker.io", "localhost:5000", "registry.example.com". */
  registry: string;
  /** Path inside the registry: "library/alpine", "test/img". */
  repository: string;
  /** "latest" unless given; empty when only a digest was given. */
  tag: string;
  /** "sha256:<hex>" when the reference pins a digest. */
  digest?: string;
  /** Repository as people write it: "alpine", "user/app", "localhost:5000/x". */
  familiarName: string;
  /** Short form with tag or digest: "alpine:latest". */
  familiar: string;
  /** Full repository name: "docker.io/library/alpine". */
  fullName: string;
  /** Full form with tag or digest: "docker.io/library/alpine:latest". */
  canonical: string;
}

// The grammar, from distribution/reference/regexp.go.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

function bad(ref: string, why: string): BoxifyError {
  return new BoxifyError('invalid_argument', `invalid reference format "${ref}": ${why}`, { field: 'reference' });
}

/** Parses and normalises an image reference; throws a 400 naming the reference when invalid. */
export function parseReference(ref: string): ImageReference {
  if (typeof ref !== 'string' || ref.trim() === '') throw bad(String(ref ?? ''), 'the reference is empty');
  if (ref !== ref.trim()) throw bad(ref, 'leading or trailing white space');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(ref, `"${digest}" is not a digest (expected sha256:<64 hex>)`);
    if (digest.startsWith('sha256:') && !SHA256_DIGEST.test(digest)) {
      throw bad(ref, `"${digest}" is not a sha256 digest (expected sha256:<64 lowercase hex>)`);
    }
  }
  // A tag follows the last ':' that is not part of the registry's host:port.
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(ref, `"${tag}" is not a valid tag (letters, digits, '_', '.', '-'; at most 128)`);
  }
  if (rest === '') throw bad(ref, 'the repository name is empty');

  let registry = DEFAULT_REGISTRY;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a registry when it looks like a host.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      registry = first;
      path = rest.slice(slash + 1);
      checkDomain(ref, registry);
    }
  }
  if (registry === 'index.docker.io') registry = DEFAULT_REGISTRY;
  if (path === '') throw bad(ref, 'the repository name is empty');
  for (const comp of path.split('/')) {
    if (comp === '') throw bad(ref, 'empty path component (double or trailing "/")');
    if (comp !== comp.toLowerCase() && PATH_COMPONENT.test(comp.toLowerCase())) {
      throw bad(ref, 'repository name must be lowercase');
    }
    if (!PATH_COMPONENT.test(comp)) {
      throw bad(ref, `"${comp}" may contain only lowercase letters, digits and separators ('.', '_', '__', '-'), and must start and end with a letter or digit`);
    }
  }
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) path = `library/${path}`;
  const fullName = `${registry}/${path}`;
  if (fullName.length > NAME_TOTAL_LENGTH_MAX) throw bad(ref, `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  if (!tag && !digest) tag = DEFAULT_TAG;

  let familiarName = fullName;
  if (registry === DEFAULT_REGISTRY) {
    familiarName = path.startsWith('library/') && path.split('/').length === 2 ? path.slice('library/'.length) : path;
  }
  const suffix = (tag ? `:${tag}` : '') + (digest ? `@${digest}` : '');
  return {
    registry,
    repository: path,
    tag,
    digest,
    familiarName,
    familiar: familiarName + suffix,
    fullName,
    canonical: fullName + suffix,
  };
}

function checkDomain(ref: string, domain: string): void {
  let host = domain;
  const m = /^(.*):(\d+)$/.exec(domain);
  if (m) host = m[1]!;
  if (host.startsWith('[') && host.endsWith(']')) return; // IPv6 literal
  for (const part of host.split('.')) {
    if (!DOMAIN_COMPONENT.test(part)) throw bad(ref, `"${domain}" is not a valid registry host`);
  }
}

/** The familiar form of a canonical "registry/repo:tag" string (for RepoTags). */
export function familiarize(canonical: string): string {
  return parseReference(canonical).familiar;
}

/** True when `s` looks like an image ID or a prefix of one, as opposed to a name. */
export function looksLikeId(s: string): boolean {
  return /^(sha256:)?[a-f0-9]{1,64}$/.test(s);
}
