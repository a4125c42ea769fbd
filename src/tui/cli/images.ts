// Image commands: pull, load, import, rmi, tag, and `image ls|inspect|rm|prune|tag|import|
// load|pull`. Pull progress is a pure state (one line per layer, keyed by the message's id,
// as docker's jsonmessage keeps it) rendered to lines: redrawn in place on a terminal,
// printed once per change of status otherwise.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { BoxifyError } from '../../core/errors.js';
import { parseReference } from '../../core/images/reference.js';
import { formatBytesDecimal } from '../../core/size.js';
import type { JsonMessage } from '../client.js';
import { bool, parseArgs, str, UsageError } from './args.js';
import type { CliContext, Command, InputStream } from './context.js';
import { imagesTable, shortId } from './format.js';

// ---- pull progress: state and rendering (pure) -------------------------------------------

export interface ProgressLine {
  /** The layer's short digest (or the tag, for "Pulling from ..."); none for a plain line. */
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export interface PullState {
  lines: ProgressLine[];
}

export const emptyPullState = (): PullState => ({ lines: [] });

/** A message with an id replaces that id's line; one without an id is a line of its own. */
export function applyPullMessage(state: PullState, m: JsonMessage): PullState {
  const line: ProgressLine = { id: m.id || undefined, status: m.status ?? '' };
  if (m.progressDetail?.total) {
    line.current = m.progressDetail.current ?? 0;
    line.total = m.progressDetail.total;
  }
  const at = line.id === undefined ? -1 : state.lines.findIndex((l) => l.id === line.id);
  const lines = at === -1 ? [...state.lines, line] : state.lines.map((l, i) => (i === at ? line : l));
  return { lines };
}

/** docker's progress bar: `[=========>          ]  1.2MB/3.4MB`, `width` cells inside the brackets. */
export function progressBar(current: number, total: number, width = 50): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, current / total)) : 0;
  const filled = Math.floor(frac * width);
  const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}`.padEnd(width, ' ');
  return `[${bar}]  ${formatBytesDecimal(current)}/${formatBytesDecimal(total)}`;
}

/**
 * The lines a terminal of `columns` shows for `state`. Each is cut to fit, so redrawing
 * by moving the cursor up one row per line stays exact (a wrapped line would take two).
 */
export function renderPullLines(state: PullState, columns = 80): string[] {
  // The bar shrinks on narrow terminals and goes on very narrow ones.
  return state.lines.map((l) => {
    const head = l.id ? `${l.id}: ${l.status}` : l.status;
    let text = head;
    if (l.total !== undefined) {
      const room = columns - 1 - head.length - 1 - 4 - 20; // space, brackets and gap, the sizes
      text = room >= 10 ? `${head} ${progressBar(l.current ?? 0, l.total, Math.min(50, room))}` : head;
    }
    return [...text].length > columns - 1 ? [...text].slice(0, Math.max(1, columns - 1)).join('') : text;
  });
}

/** Without a terminal: one line per change of a layer's status; byte counts are not shown. */
export function plainPullLine(prev: PullState, m: JsonMessage): string | undefined {
  if (m.progressDetail?.total !== undefined && m.id && prev.lines.some((l) => l.id === m.id && l.status === m.status)) return undefined;
  const status = m.status ?? '';
  if (!status) return undefined;
  return m.id ? `${m.id}: ${status}` : status;
}

/** Draws the state on a terminal in place: up over the previous drawing, then each line cleared and rewritten. */
export class TerminalProgress {
  private drawn = 0;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly columns: () => number,
  ) {}

  draw(state: PullState): void {
    const lines = renderPullLines(state, this.columns());
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const l of lines) s += `\x1b[2K\r${l}\n`;
    this.drawn = lines.length;
    this.out.write(s);
  }
}

// ---- helpers --------------------------------------------------------------------------------

/** Opens `file` for reading (or stdin for `-`), with an error that names the path. */
async function openInput(ctx: CliContext, file: string | undefined, what: string): Promise<Readable> {
  if (file === undefined || file === '-') {
    const stdin = (ctx.stdin ?? process.stdin) as InputStream & Readable;
    if (stdin.isTTY) throw new UsageError(`no ${what} given: name the file, or pipe it to stdin`);
    return stdin;
  }
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new BoxifyError('invalid_argument', `${file} is a directory: give the ${what} file (a tar archive)`);
    }
  } catch (err) {
    if (err instanceof BoxifyError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new BoxifyError('invalid_argument', `cannot open ${what} ${file}: ${why}`);
  }
  return fh.createReadStream();
}

/** `NAME[:TAG]` as the API's repo and tag (a digest is refused: a name cannot be given one). */
export function splitRepoTag(ref: string): { repo: string; tag?: string } {
  if (ref.includes('@')) throw new UsageError(`invalid reference "${ref}": a new name cannot have a digest`);
  parseReference(ref); // its error names the reference and what is wrong
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}

/** Docker's rmi output: `Untagged: x` and `Deleted: sha256:...` lines. */
export function removeLines(items: { Untagged?: string; Deleted?: string }[]): string {
  return items.map((i) => (i.Untagged ? `Untagged: ${i.Untagged}\n` : i.Deleted ? `Deleted: ${i.Deleted}\n` : '')).join('');
}

/** Asks on stdin; anything but y/yes (or no input) is no. */
async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.stdout.write(`${question} [y/N] `);
  const stdin = (ctx.stdin ?? process.stdin) as Readable;
  const answer = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (c: Buffer | string) => {
      buf += c.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', done);
      stdin.pause();
      resolve(buf.split('\n')[0]!.trim());
    };
    stdin.on('data', onData);
    stdin.once('end', done);
    stdin.once('error', done);
    stdin.resume();
  });
  if (!answer) ctx.stdout.write('\n');
  return /^y(es)?$/i.test(answer);
}

// ---- commands -------------------------------------------------------------------------------

export const pullCommand: Command = {
  name: 'pull',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  flags: [
    { long: 'quiet', short: 'q', help: 'Print only the image name at the end' },
    { long: 'insecure', help: 'Allow plain HTTP to this registry (loopback registries always are)' },
  ],
  details: 'NAME follows Docker\'s rules: "alpine" is docker.io/library/alpine:latest.',
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError('requires exactly 1 argument: the image to pull');
    const ref = parseReference(p.args[0]!);
    const quiet = bool(p, 'quiet');
    let state = emptyPullState();
    const term = !quiet && ctx.stdoutIsTTY ? new TerminalProgress(ctx.stdout, () => (ctx.stdout as { columns?: number }).columns ?? 80) : undefined;
    await ctx.client.pullImage(p.args[0]!, {
      insecure: bool(p, 'insecure'),
      onProgress: (m) => {
        if (!quiet && !term) {
          const line = plainPullLine(state, m);
          if (line) ctx.stdout.write(`${line}\n`);
        }
        state = applyPullMessage(state, m);
        term?.draw(state);
      },
    });
    ctx.stdout.write(`${ref.canonical}\n`);
    return 0;
  },
};

export const loadCommand: Command = {
  name: 'load',
  usage: '[OPTIONS]',
  summary: 'Load images from a docker-save archive or an OCI layout tar',
  flags: [
    { long: 'input', short: 'i', value: true, metavar: 'FILE', help: 'Read from this tar archive (plain or compressed) instead of stdin' },
    { long: 'quiet', short: 'q', help: 'Print nothing' },
  ],
  async run(ctx, p) {
    if (p.args.length) throw new UsageError(`"load" takes no arguments (give the archive with -i ${p.args[0]})`);
    const input = await openInput(ctx, str(p, 'input'), 'archive');
    const loaded = await ctx.client.loadImage(input);
    if (!bool(p, 'quiet')) {
      for (const n of loaded) ctx.stdout.write(n.startsWith('sha256:') ? `Loaded image ID: ${n}\n` : `Loaded image: ${n}\n`);
    }
    return 0;
  },
};

export const importCommand: Command = {
  name: 'import',
  usage: 'FILE|- [NAME[:TAG]]',
  summary: 'Make an image from a root filesystem tarball (plain, gzip or xz)',
  flags: [],
  async run(ctx, p) {
    if (p.args.length < 1 || p.args.length > 2) throw new UsageError('requires 1 or 2 arguments: FILE|- [NAME[:TAG]]');
    const name = p.args[1] ? splitRepoTag(p.args[1]) : undefined;
    const input = await openInput(ctx, p.args[0], 'tarball');
    const id = await ctx.client.importImage(input, name?.repo, name?.tag);
    ctx.stdout.write(`${id}\n`);
    return 0;
  },
};

export const imagesCommand: Command = {
  name: 'images',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  flags: [
    { long: 'quiet', short: 'q', help: 'Only show image IDs' },
    { long: 'json', help: 'Print the API objects as a JSON array' },
  ],
  async run(ctx, p) {
    if (p.args.length > 1) throw new UsageError('requires at most 1 argument: REPOSITORY[:TAG]');
    let images = await ctx.client.listImages();
    const want = p.args[0];
    if (want) {
      // Like docker: "busybox" matches every tag of it, "busybox:1" only that tag.
      const hasTag = want.lastIndexOf(':') > want.lastIndexOf('/');
      const w = parseReference(want);
      images = images.filter((i) => (i.RepoTags ?? []).some((t) => (hasTag ? parseReference(t).canonical === w.canonical : parseReference(t).fullName === w.fullName)));
    }
    if (bool(p, 'json')) ctx.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
    else if (bool(p, 'quiet')) for (const id of new Set(images.map((i) => shortId(i.Id)))) ctx.stdout.write(`${id}\n`);
    else ctx.stdout.write(imagesTable(images));
    return 0;
  },
};

export const rmiCommand: Command = {
  name: 'rmi',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  flags: [{ long: 'force', short: 'f', help: 'Remove even when a container uses the image (it is only untagged then)' }],
  async run(ctx, p) {
    if (p.args.length === 0) throw new UsageError('requires at least 1 image name or ID');
    let failed = false;
    for (const ref of p.args) {
      try {
        ctx.stdout.write(removeLines(await ctx.client.removeImage(ref, { force: bool(p, 'force') })));
      } catch (err) {
        if (!(err instanceof BoxifyError) || !err.isUserError) throw err;
        ctx.stderr.write(`boxify: ${err.code === 'conflict' ? await withUsers(ctx, ref, err.message) : err.message}\n`);
        failed = true;
      }
    }
    return failed ? 125 : 0;
  },
};

/** A conflict message with the names of the containers that use the image, when it lacks them. */
async function withUsers(ctx: CliContext, ref: string, message: string): Promise<string> {
  try {
    const img = await ctx.client.inspectImage(ref);
    const users = (await ctx.client.listContainers({ all: true })).filter((c) => c.ImageID === img.Id);
    const names = users.map((c) => (c.Names?.[0] ?? '').replace(/^\//, '') || shortId(c.Id));
    // The daemon names the first container by ID, as Docker does; people know them by name.
    if (!names.length || names.every((n) => message.includes(n))) return message;
    return `${message} (used by ${names.length > 1 ? 'containers' : 'container'} ${names.join(', ')}; remove ${names.length > 1 ? 'them' : 'it'} first, or use -f)`;
  } catch {
    return message;
  }
}

export const tagCommand: Command = {
  name: 'tag',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Give an image another name',
  flags: [],
  async run(ctx, p) {
    if (p.args.length !== 2) throw new UsageError('requires exactly 2 arguments: SOURCE_IMAGE TARGET_IMAGE');
    const { repo, tag } = splitRepoTag(p.args[1]!);
    await ctx.client.tagImage(p.args[0]!, repo, tag);
    return 0;
  },
};

const imageInspectCommand: Command = {
  name: 'inspect',
  usage: 'IMAGE [IMAGE...]',
  summary: 'Show low-level information on images as JSON',
  flags: [],
  async run(ctx, p) {
    if (p.args.length === 0) throw new UsageError('requires at least 1 image name or ID');
    const found: unknown[] = [];
    let failed = false;
    for (const ref of p.args) {
      try {
        found.push(await ctx.client.inspectImage(ref));
      } catch (err) {
        if (!(err instanceof BoxifyError) || !err.isUserError) throw err;
        ctx.stderr.write(`boxify: ${err.message}\n`);
        failed = true;
      }
    }
    ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    return failed ? 125 : 0;
  },
};

const imagePruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  summary: 'Remove unused images',
  flags: [
    { long: 'all', short: 'a', help: 'Remove every image no container uses, not only untagged ones' },
    { long: 'force', short: 'f', help: 'Do not ask for confirmation' },
  ],
  async run(ctx, p) {
    const all = bool(p, 'all');
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!bool(p, 'force')) {
      ctx.stdout.write(`${warning}\n`);
      if (!(await confirm(ctx, 'Are you sure you want to continue?'))) return 0;
    }
    const r = await ctx.client.pruneImages({ all });
    const deleted = r.ImagesDeleted ?? [];
    if (deleted.length) {
      ctx.stdout.write('Deleted Images:\n');
      for (const i of deleted) ctx.stdout.write(i.Untagged ? `untagged: ${i.Untagged}\n` : `deleted: ${i.Deleted}\n`);
      ctx.stdout.write('\n');
    }
    ctx.stdout.write(`Total reclaimed space: ${formatBytesDecimal(r.SpaceReclaimed)}\n`);
    return 0;
  },
};

/** The subcommands of `boxify image`. */
export const IMAGE_SUBCOMMANDS: { names: string[]; command: Command }[] = [
  { names: ['ls', 'list'], command: { ...imagesCommand, name: 'ls' } },
  { names: ['inspect'], command: imageInspectCommand },
  { names: ['rm', 'remove'], command: { ...rmiCommand, name: 'rm' } },
  { names: ['prune'], command: imagePruneCommand },
  { names: ['tag'], command: tagCommand },
  { names: ['import'], command: importCommand },
  { names: ['load'], command: loadCommand },
  { names: ['pull'], command: pullCommand },
];

function subcommandList(): string {
  const width = Math.max(...IMAGE_SUBCOMMANDS.map((s) => s.names[0]!.length)) + 3;
  return [
    'Commands:',
    ...IMAGE_SUBCOMMANDS.map((s) => `  ${s.names[0]!.padEnd(width)}${s.command.summary}`),
    '',
    "Run 'boxify image COMMAND --help' for more information on a command.",
  ].join('\n');
}

function subcommandHelp(c: Command): string {
  const lines = [`Usage:  boxify image ${c.name} ${c.usage}`, '', c.summary, ''];
  if (c.details) lines.push(c.details, '');
  if (c.flags.length) {
    const rows = c.flags.map((f) => [`${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.value ? ` ${f.metavar ?? 'VALUE'}` : ''}`, f.help] as const);
    const w = Math.max(...rows.map(([n]) => n.length)) + 3;
    lines.push('Options:', ...rows.map(([n, h]) => `  ${n.padEnd(w)}${h}`), '');
  }
  return lines.join('\n');
}

export const imageCommand: Command = {
  name: 'image',
  usage: 'COMMAND',
  summary: 'Manage images (ls, inspect, rm, prune, tag, import, load, pull)',
  flags: [],
  interspersed: false,
  get details() {
    return subcommandList();
  },
  async run(ctx, p) {
    const [name, ...rest] = p.args;
    if (name === undefined) {
      ctx.stdout.write(`Usage:  boxify image ${imageCommand.usage}\n\n${imageCommand.summary}\n\n${subcommandList()}\n`);
      return 0;
    }
    const sub = IMAGE_SUBCOMMANDS.find((s) => s.names.includes(name));
    if (!sub) throw new UsageError(`unknown command "image ${name}"`, 'image');
    try {
      const parsed = parseArgs(rest, { flags: sub.command.flags, interspersed: sub.command.interspersed });
      if (parsed.help) {
        ctx.stdout.write(subcommandHelp(sub.command));
        return 0;
      }
      return await sub.command.run(ctx, parsed);
    } catch (err) {
      if (err instanceof UsageError && !err.command) throw new UsageError(err.message, `image ${sub.names[0]}`);
      throw err;
    }
  },
};
