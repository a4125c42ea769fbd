// Streaming layer extraction: a tar reader (ustar, GNU long names, PAX headers) that writes
// one image layer into a fresh directory the way overlayfs expects it, and refuses anything
// that would write outside that directory.
//
// Why our own reader and not tar(1): GNU tar follows symlinks it has just extracted, knows
// nothing of OCI whiteouts, and reports escapes only as warnings. Here every parent path is
// resolved inside the layer, whiteouts become 0:0 character devices, opaque markers become
// the `trusted.overlay.opaque` xattr, and the sha256 of the uncompressed stream (the diff
// ID) is computed on the way through. Synchronous fs calls on each chunk keep the per-file
// cost low (no promise per syscall); each call is short, so the event loop stays responsive.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { BoxifyError } from '../errors.js';
import { lsetxattr, mknod, S_IFCHR, S_IFIFO } from './native.js';

/** A file path, the bytes themselves, or a stream (an HTTP body, a decompressor's output). */
export type LayerInput = string | Buffer | Readable;

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2';

export interface ExtractResult {
  /** "sha256:<hex>" of the uncompressed tar stream. */
  diffId: string;
  /** Bytes of regular-file content written. */
  size: number;
  compression: Compression;
  /** Things skipped on purpose (device nodes, unknown entry types, xattrs the kernel refused). */
  warnings: string[];
}

export interface ExtractOptions {
  /** When known in advance (image config's diff_ids), a different digest fails the extraction. */
  expectedDiffId?: string;
  /** sha256 of the input as given (the compressed blob): a different digest fails the extraction. */
  expectedDigest?: string;
  /** Called with the number of input (possibly compressed) bytes consumed so far. */
  onInput?: (bytes: number) => void;
}

/** A layer whose content is refused: a 400 naming the entry and the reason. */
export function badLayer(message: string): BoxifyError {
  return new BoxifyError('invalid_argument', `invalid layer: ${message}`);
}

// ---------------------------------------------------------------------------------------
// Decompression, chosen by the stream's magic bytes.

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  return 'none';
}

const DECOMPRESSOR: Record<Exclude<Compression, 'none' | 'gzip'>, { cmd: string; pkg: string }> = {
  xz: { cmd: 'xz', pkg: 'xz-utils' },
  zstd: { cmd: 'zstd', pkg: 'zstd' },
  bzip2: { cmd: 'bzip2', pkg: 'bzip2' },
};

/**
 * Yields the uncompressed bytes of `src`. gzip runs in zlib; xz, zstd and bzip2 through the
 * host's program on a pipe (its failure carries its stderr). Input bytes are counted for progress.
 */
async function* decompress(
  src: Readable,
  onKind: (c: Compression) => void,
  opts: ExtractOptions,
): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let consumed = 0;
  const blobHash = opts.expectedDigest ? crypto.createHash('sha256') : undefined;
  const next = async () => {
    const r = await it.next();
    if (!r.done) {
      consumed += r.value.length;
      blobHash?.update(r.value);
      opts.onInput?.(consumed);
    } else if (blobHash) {
      const got = `sha256:${blobHash.digest('hex')}`;
      if (got !== opts.expectedDigest) throw badLayer(`digest mismatch: expected ${opts.expectedDigest}, the data is ${got}`);
    }
    return r;
  };
  let head = Buffer.alloc(0);
  while (head.length < 6) {
    const r = await next();
    if (r.done) break;
    head = Buffer.concat([head, r.value]);
  }
  const kind = detectCompression(head);
  onKind(kind);
  if (kind === 'none') {
    if (head.length) yield head;
    for (let r = await next(); !r.done; r = await next()) yield r.value;
    return;
  }

  let stdin: NodeJS.WritableStream & { destroy(e?: Error): void };
  let out: Readable;
  let exited: Promise<void> = Promise.resolve();
  let kill = () => {};
  if (kind === 'gzip') {
    const gunzip = zlib.createGunzip();
    stdin = gunzip;
    out = gunzip;
  } else {
    const { cmd, pkg } = DECOMPRESSOR[kind];
    const child = spawn(cmd, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    exited = new Promise((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'ENOENT'
            ? new BoxifyError('unavailable', `${cmd} is not installed: install the Debian package ${pkg} (apt-get install ${pkg})`)
            : e,
        ),
      );
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(badLayer(`${kind} data is corrupt or truncated (${cmd} -dc exit ${code}: ${stderr.trim()})`)),
      );
    });
    exited.catch(() => {}); // observed below; avoid an unhandled rejection meanwhile
    child.stdin.on('error', () => {}); // EPIPE when the program quits early: its exit status says why
    stdin = child.stdin;
    out = child.stdout;
    kill = () => child.kill('SIGKILL');
  }

  // Feed the decompressor from the source while we read its output.
  let feedError: unknown;
  const feed = (async () => {
    const write = (b: Buffer) =>
      new Promise<void>((resolve) => {
        if (stdin.write(b)) resolve();
        else stdin.once('drain', () => resolve());
      });
    try {
      await write(head);
      for (let r = await next(); !r.done; r = await next()) await write(r.value);
      stdin.end();
    } catch (e) {
      feedError = e;
      stdin.destroy(e as Error);
      out.destroy(e as Error);
    }
  })();

  try {
    try {
      for await (const chunk of out) yield chunk as Buffer;
    } catch (e) {
      if (feedError) throw feedError;
      const msg = (e as Error).message;
      if (kind === 'gzip') throw badLayer(`gzip data is corrupt or truncated (${msg})`);
      throw e;
    }
    await feed;
    if (feedError) throw feedError;
    await exited;
  } finally {
    kill();
    src.destroy();
  }
}

// ---------------------------------------------------------------------------------------
// The tar reader.

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: string;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, Buffer>;
}

const BLOCK = 512;
const META_MAX = 1 << 20; // PAX and GNU long-name records larger than this are refused

function cstr(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function num(buf: Buffer, start: number, len: number, field: string, offset: number): number {
  // GNU base-256 for values that do not fit in octal: high bit of the first byte set.
  if (buf[start]! & 0x80) {
    let v = buf[start]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[start + i]!;
    return v;
  }
  // Octal digits, padded with spaces or NULs on either side (a hand loop: this runs
  // seven times per entry).
  let i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x37) v = v * 8 + (c - 0x30);
    else if (c === 0x20 || c === 0) break;
    else throw badLayer(`corrupt tar header at offset ${offset}: ${field} "${buf.toString('latin1', start, end).replace(/\0/g, '')}" is not octal`);
  }
  for (; i < end; i++) {
    if (buf[i] !== 0x20 && buf[i] !== 0) throw badLayer(`corrupt tar header at offset ${offset}: ${field} is not octal`);
  }
  return v;
}

function parsePax(data: Buffer, offset: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < data.length) {
    if (data[i] === 0) break;
    const sp = data.indexOf(0x20, i);
    const len = sp === -1 ? NaN : Number(data.toString('latin1', i, sp));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) {
      throw badLayer(`corrupt PAX header at offset ${offset}`);
    }
    const rec = data.subarray(sp + 1, i + len - 1); // without the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq === -1) throw badLayer(`corrupt PAX record at offset ${offset}`);
    out.set(rec.toString('utf8', 0, eq), rec.subarray(eq + 1));
    i += len;
  }
  return out;
}

/** Cleans an entry name to a relative path ('' is the layer root); refuses `..` above the root. */
export function cleanEntryName(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw badLayer(`entry "${name}" climbs out of the layer`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

class TarExtractor {
  readonly warnings: string[] = [];
  size = 0;
  private readonly hash = crypto.createHash('sha256');
  private readonly hdr = Buffer.alloc(BLOCK);
  private hdrLen = 0;
  private offset = 0; // bytes of the tar stream consumed
  private state: 'header' | 'data' | 'pad' | 'end' = 'header';
  private remaining = 0;
  private padding = 0;
  private entryName = '';
  private fd: number | undefined;
  private fdPath = '';
  private fdHeader: Header | undefined;
  private meta: { type: string; chunks: Buffer[] } | undefined;
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private sawHeader = false;
  private readonly dirTimes: { p: string; mtime: number }[] = [];
  /** Parent directories already resolved (relative name -> host path); reset when one is replaced. */
  private readonly dirCache = new Map<string, string>();

  constructor(private readonly root: string) {}

  push(chunk: Buffer): void {
    this.hash.update(chunk);
    let off = 0;
    while (off < chunk.length) {
      switch (this.state) {
        case 'end':
          return; // trailing padding after the end-of-archive marker: hashed, not parsed
        case 'header': {
          const n = Math.min(BLOCK - this.hdrLen, chunk.length - off);
          chunk.copy(this.hdr, this.hdrLen, off, off + n);
          this.hdrLen += n;
          off += n;
          this.offset += n;
          if (this.hdrLen === BLOCK) {
            this.hdrLen = 0;
            this.onHeader(this.offset - BLOCK);
          }
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, chunk.length - off);
          this.onData(chunk.subarray(off, off + n));
          off += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.endData();
          break;
        }
        case 'pad': {
          const n = Math.min(this.padding, chunk.length - off);
          off += n;
          this.offset += n;
          this.padding -= n;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /** Call at the end of the stream: refuses a truncated archive, then sets directory times. */
  finish(): string {
    if (!this.sawHeader) throw badLayer('not a tar archive (empty input)');
    if (this.state === 'data' || this.state === 'pad' || this.hdrLen !== 0) {
      throw badLayer(`tar archive is truncated inside entry "${this.entryName}" at offset ${this.offset}`);
    }
    // Deepest first, so setting a child's time does not disturb its parent's afterwards.
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const { p, mtime } = this.dirTimes[i]!;
      try {
        fs.utimesSync(p, mtime, mtime);
      } catch {
        /* a directory replaced by a later entry */
      }
    }
    return `sha256:${this.hash.digest('hex')}`;
  }

  /** Closes a file left open by an error. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
  }

  private onHeader(offset: number): void {
    const h = this.hdr;
    if (h.every((b) => b === 0)) {
      // Two zero blocks end the archive; a lone one is tolerated as GNU tar does.
      this.sawHeader = true;
      if (this.zeroSeen) this.state = 'end';
      this.zeroSeen = true;
      return;
    }
    this.zeroSeen = false;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    let stored = -1;
    try {
      stored = num(h, 148, 8, 'checksum', offset);
    } catch {
      /* reported as a mismatch below */
    }
    if (stored !== sum) {
      throw badLayer(
        this.sawHeader
          ? `corrupt tar header at offset ${offset} (checksum mismatch)`
          : 'not a tar archive (the first header has a bad checksum)',
      );
    }
    this.sawHeader = true;
    const magic = h.toString('latin1', 257, 263);
    const type = String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!);
    let name = cstr(h, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cstr(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const hdr: Header = {
      name,
      mode: num(h, 100, 8, 'mode', offset),
      uid: num(h, 108, 8, 'uid', offset),
      gid: num(h, 116, 8, 'gid', offset),
      size: num(h, 124, 12, 'size', offset),
      mtime: num(h, 136, 12, 'mtime', offset),
      type,
      linkname: cstr(h, 157, 100),
      devmajor: num(h, 329, 8, 'devmajor', offset),
      devminor: num(h, 337, 8, 'devminor', offset),
      xattrs: {},
    };
    this.entryName = name;

    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (hdr.size > META_MAX) throw badLayer(`tar extension header at offset ${offset} is larger than ${META_MAX} bytes`);
      this.meta = { type, chunks: [] };
      this.beginData(hdr.size);
      return;
    }

    // Fold in the extension headers that precede this entry.
    const pax = new Map([...this.globalPax, ...this.pax]);
    this.pax = new Map();
    if (this.longName !== undefined) hdr.name = this.longName;
    if (this.longLink !== undefined) hdr.linkname = this.longLink;
    this.longName = this.longLink = undefined;
    for (const [k, v] of pax) {
      const s = () => v.toString('utf8');
      if (k === 'path') hdr.name = s();
      else if (k === 'linkpath') hdr.linkname = s();
      else if (k === 'size') hdr.size = Number(s());
      else if (k === 'uid') hdr.uid = Number(s());
      else if (k === 'gid') hdr.gid = Number(s());
      else if (k === 'mtime') hdr.mtime = Math.floor(Number(s()));
      else if (k.startsWith('SCHILY.xattr.')) hdr.xattrs[k.slice('SCHILY.xattr.'.length)] = v;
      else if (k.startsWith('GNU.sparse')) throw badLayer(`sparse file "${hdr.name}" is not supported`);
    }
    if (!Number.isSafeInteger(hdr.size) || hdr.size < 0) throw badLayer(`entry "${hdr.name}" has a bad size`);
    this.entryName = hdr.name;
    this.apply(hdr);
  }

  private zeroSeen = false;

  private beginData(size: number): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endData();
    else this.state = 'data';
  }

  private onData(b: Buffer): void {
    if (this.fd !== undefined) {
      let done = 0;
      while (done < b.length) done += fs.writeSync(this.fd, b, done, b.length - done);
    } else if (this.meta) {
      this.meta.chunks.push(Buffer.from(b));
    }
  }

  private endData(): void {
    this.state = this.padding ? 'pad' : 'header';
    if (this.fd !== undefined) {
      const fd = this.fd;
      const h = this.fdHeader!;
      this.fd = undefined;
      try {
        // chown first: it clears set-id bits, which the chmod then restores.
        fs.fchownSync(fd, h.uid, h.gid);
        fs.fchmodSync(fd, h.mode & 0o7777);
        fs.futimesSync(fd, h.mtime, h.mtime);
      } finally {
        fs.closeSync(fd);
      }
      this.setXattrs(this.fdPath, h);
    } else if (this.meta) {
      const { type, chunks } = this.meta;
      this.meta = undefined;
      const data = Buffer.concat(chunks);
      if (type === 'x') this.pax = parsePax(data, this.offset);
      else if (type === 'g') for (const [k, v] of parsePax(data, this.offset)) this.globalPax.set(k, v);
      else if (type === 'L') this.longName = cstr(data, 0, data.length);
      else if (type === 'K') this.longLink = cstr(data, 0, data.length);
    }
  }

  /**
   * The host path for a cleaned relative name, with every parent directory resolved inside
   * the layer (created when missing). A parent that is a symlink is followed only while it
   * stays inside: absolute targets are taken relative to the layer root (as inside the
   * container), and a target that climbs above it is refused.
   */
  private resolve(rel: string, entry: string): string {
    const slash = rel.lastIndexOf('/');
    const parentRel = slash === -1 ? '' : rel.slice(0, slash);
    const leaf = slash === -1 ? rel : rel.slice(slash + 1);
    if (parentRel === '') return path.join(this.root, leaf);
    const known = this.dirCache.get(parentRel);
    if (known !== undefined) return path.join(known, leaf);
    const cur: string[] = [];
    const queue = parentRel.split('/');
    let hops = 0;
    let viaLink = false;
    while (queue.length) {
      const c = queue.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (cur.length === 0) throw badLayer(`entry "${entry}" goes through a symlink that points outside the layer`);
        cur.pop();
        continue;
      }
      const p = path.join(this.root, ...cur, c);
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (!st) {
        fs.mkdirSync(p, { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        if (++hops > 40) throw badLayer(`entry "${entry}": too many levels of symlinks`);
        const target = fs.readlinkSync(p);
        if (target.startsWith('/')) cur.length = 0;
        queue.unshift(...target.split('/'));
        viaLink = true;
        continue;
      } else if (!st.isDirectory()) {
        throw badLayer(`entry "${entry}": parent "${[...cur, c].join('/')}" is not a directory`);
      }
      cur.push(c);
      if (!viaLink) this.dirCache.set(cur.join('/'), path.join(this.root, ...cur));
    }
    const dir = path.join(this.root, ...cur);
    this.dirCache.set(parentRel, dir);
    return path.join(dir, leaf);
  }

  /** Removes whatever is at `p` (never following a symlink) so an entry can take its place. */
  private clear(p: string, keepDir: boolean): void {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      if (keepDir) return;
      fs.rmSync(p, { recursive: true, force: true });
      this.dirCache.clear(); // cached paths may have gone through it
    } else {
      if (st.isSymbolicLink()) this.dirCache.clear();
      fs.unlinkSync(p);
    }
  }

  private apply(h: Header): void {
    const rel = cleanEntryName(h.name);
    const isFileType = h.type === '0' || h.type === '7';
    const hasData = isFileType || !['1', '2', '3', '4', '5', '6'].includes(h.type);
    const perm = h.mode & 0o7777;

    if (rel === '') {
      // The layer root itself ("./"): take its metadata.
      if (h.type === '5') {
        fs.chownSync(this.root, h.uid, h.gid);
        fs.chmodSync(this.root, perm);
        this.dirTimes.push({ p: this.root, mtime: h.mtime });
      }
      return this.beginData(hasData ? h.size : 0);
    }

    const base = path.posix.basename(rel);
    if (base.startsWith('.wh.')) {
      const dir = path.posix.dirname(rel);
      // Resolving "<dir>/." walks (and creates) every component of the directory itself.
      const dirPath = dir === '.' ? this.root : this.resolve(`${dir}/.`, h.name);
      if (base === '.wh..wh..opq') {
        lsetxattr(dirPath, 'trusted.overlay.opaque', 'y');
      } else if (!base.startsWith('.wh..wh.')) {
        const target = path.join(dirPath, base.slice(4));
        this.clear(target, false);
        mknod(target, S_IFCHR | 0o000, 0);
      }
      // Other `.wh..wh.` names are aufs bookkeeping with no meaning for overlayfs.
      return this.beginData(hasData ? h.size : 0);
    }

    const p = this.resolve(rel, h.name);
    switch (h.type) {
      case '0':
      case '7': {
        const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
        try {
          this.fd = fs.openSync(p, flags, 0o600);
        } catch (e) {
          // Something is there already (an earlier entry of the same name): replace it.
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          this.clear(p, false);
          this.fd = fs.openSync(p, flags, 0o600);
        }
        this.fdPath = p;
        this.fdHeader = h;
        this.size += h.size;
        return this.beginData(h.size);
      }
      case '5': {
        try {
          fs.mkdirSync(p, { mode: 0o755 });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          this.clear(p, true); // a directory stays (its metadata is updated); anything else goes
          this.ensureDir(p);
        }
        fs.chownSync(p, h.uid, h.gid);
        fs.chmodSync(p, perm);
        this.setXattrs(p, h);
        this.dirTimes.push({ p, mtime: h.mtime });
        return this.beginData(0);
      }
      case '2': {
        try {
          fs.symlinkSync(h.linkname, p);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          this.clear(p, false);
          fs.symlinkSync(h.linkname, p);
        }
        fs.lchownSync(p, h.uid, h.gid);
        fs.lutimesSync(p, h.mtime, h.mtime);
        this.setXattrs(p, h);
        return this.beginData(0);
      }
      case '1': {
        const targetRel = cleanEntryName(h.linkname);
        if (targetRel === '') throw badLayer(`hardlink "${h.name}" points at the layer root`);
        const target = this.resolve(targetRel, h.name);
        let st: fs.Stats;
        try {
          st = fs.lstatSync(target);
        } catch {
          throw badLayer(`hardlink "${h.name}" points at "${h.linkname}", which is not in the layer`);
        }
        if (st.isDirectory()) throw badLayer(`hardlink "${h.name}" points at directory "${h.linkname}"`);
        if (target === p) return this.beginData(0);
        this.clear(p, false);
        fs.linkSync(target, p);
        return this.beginData(0);
      }
      case '6': {
        this.clear(p, false);
        mknod(p, S_IFIFO | perm, 0);
        fs.chownSync(p, h.uid, h.gid);
        fs.chmodSync(p, perm);
        fs.utimesSync(p, h.mtime, h.mtime);
        return this.beginData(0);
      }
      case '3':
      case '4':
        this.warnings.push(
          `skipped ${h.type === '3' ? 'character' : 'block'} device "${h.name}" (${h.devmajor}:${h.devminor}): device nodes are not allowed in layers`,
        );
        return this.beginData(0);
      case 'S':
      case 'M':
        throw badLayer(`entry "${h.name}": ${h.type === 'S' ? 'sparse files' : 'multi-volume archives'} are not supported`);
      default:
        this.warnings.push(`skipped entry "${h.name}" of unknown type '${h.type}'`);
        return this.beginData(h.size);
    }
  }

  private ensureDir(p: string): void {
    try {
      fs.mkdirSync(p, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }

  private setXattrs(p: string, h: Header): void {
    for (const [name, value] of Object.entries(h.xattrs)) {
      try {
        lsetxattr(p, name, value);
      } catch (e) {
        this.warnings.push(`"${h.name}": ${(e as Error).message}`);
      }
    }
  }
}

/**
 * Extracts one layer (a tar, plain or compressed) into `destDir`, which must not exist yet.
 * On any error the partial directory is removed and the error names the entry and reason.
 */
export async function extractLayer(input: LayerInput, destDir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const src =
    typeof input === 'string'
      ? fs.createReadStream(input, { highWaterMark: 1 << 20 })
      : Buffer.isBuffer(input)
        ? Readable.from([input])
        : input;
  fs.mkdirSync(destDir, { mode: 0o755 });
  const tar = new TarExtractor(destDir);
  let compression: Compression = 'none';
  try {
    for await (const chunk of decompress(src, (c) => (compression = c), opts)) tar.push(chunk);
    const diffId = tar.finish();
    if (opts.expectedDiffId && opts.expectedDiffId !== diffId) {
      throw badLayer(`digest mismatch: the image config says ${opts.expectedDiffId}, the layer's content is ${diffId}`);
    }
    return { diffId, size: tar.size, compression, warnings: tar.warnings };
  } catch (err) {
    tar.abort();
    src.destroy();
    fs.rmSync(destDir, { recursive: true, force: true });
    if (err instanceof BoxifyError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (typeof input === 'string' && e.code === 'ENOENT' && e.path === input) {
      throw new BoxifyError('invalid_argument', `cannot read ${input}: no such file`);
    }
    throw new BoxifyError('internal', `extracting layer into ${destDir}: ${e.message ?? String(err)}`, { cause: err });
  }
}
