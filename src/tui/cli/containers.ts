// Container subcommands that map one-to-one onto API calls: ps, start, stop, restart, kill,
// rm, inspect, logs.
import { BoxifyError } from '../../core/errors.js';
import { bool, int, str, UsageError } from './args.js';
import type { CliContext, Command } from './context.js';
import { psTable } from './format.js';

/**
 * Runs `fn` for each container named, printing each name on success and each error on
 * stderr (as docker does), and carrying on with the rest. Exit 125 when any failed. A
 * daemon that cannot be reached stops it at once.
 */
async function eachContainer(ctx: CliContext, refs: string[], fn: (ref: string) => Promise<void>, echo = true): Promise<number> {
  if (refs.length === 0) throw new UsageError('requires at least 1 container name or ID');
  let failed = false;
  for (const ref of refs) {
    try {
      await fn(ref);
      if (echo) ctx.stdout.write(`${ref}\n`);
    } catch (err) {
      if (!(err instanceof BoxifyError) || err.code === 'unavailable' || err.code === 'forbidden' || !err.isUserError) throw err;
      ctx.stderr.write(`boxify: ${err.message}\n`);
      failed = true;
    }
  }
  return failed ? 125 : 0;
}

export const psCommand: Command = {
  name: 'ps',
  usage: '[OPTIONS]',
  summary: 'List containers',
  flags: [
    { long: 'all', short: 'a', help: 'Show all containers (default shows just running)' },
    { long: 'quiet', short: 'q', help: 'Only display container IDs' },
    { long: 'no-trunc', help: "Don't truncate output" },
    { long: 'json', help: 'Print the API objects as a JSON array' },
  ],
  async run(ctx, p) {
    const list = await ctx.client.listContainers({ all: bool(p, 'all') });
    if (bool(p, 'json')) ctx.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else if (bool(p, 'quiet')) for (const c of list) ctx.stdout.write(`${bool(p, 'no-trunc') ? c.Id : c.Id.slice(0, 12)}\n`);
    else ctx.stdout.write(psTable(list));
    return 0;
  },
};

export const startCommand: Command = {
  name: 'start',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  flags: [],
  run: (ctx, p) => eachContainer(ctx, p.args, (ref) => ctx.client.startContainer(ref)),
};

const timeoutFlag = { long: 'time', short: 't', value: true, metavar: 'N', help: 'Seconds to wait before killing the container' };

export const stopCommand: Command = {
  name: 'stop',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  flags: [timeoutFlag, { long: 'signal', short: 's', value: true, metavar: 'SIG', help: 'Signal to send (default: the stop signal, SIGTERM)' }],
  async run(ctx, p) {
    const timeout = int(p, 'time', { min: -1, spec: this.flags });
    return eachContainer(ctx, p.args, (ref) => ctx.client.stopContainer(ref, { timeout, signal: str(p, 'signal') }));
  },
};

export const restartCommand: Command = {
  name: 'restart',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  flags: [timeoutFlag],
  async run(ctx, p) {
    const timeout = int(p, 'time', { min: -1, spec: this.flags });
    return eachContainer(ctx, p.args, (ref) => ctx.client.restartContainer(ref, { timeout }));
  },
};

export const killCommand: Command = {
  name: 'kill',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  flags: [{ long: 'signal', short: 's', value: true, metavar: 'SIG', help: 'Signal to send (default SIGKILL)' }],
  run: (ctx, p) => eachContainer(ctx, p.args, (ref) => ctx.client.killContainer(ref, str(p, 'signal'))),
};

export const rmCommand: Command = {
  name: 'rm',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  flags: [{ long: 'force', short: 'f', help: 'Force the removal of a running container (kills it)' }],
  run: (ctx, p) => eachContainer(ctx, p.args, (ref) => ctx.client.removeContainer(ref, { force: bool(p, 'force') })),
};

export const inspectCommand: Command = {
  name: 'inspect',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Show low-level information on containers as JSON',
  flags: [],
  async run(ctx, p) {
    const found: unknown[] = [];
    const code = await eachContainer(ctx, p.args, async (ref) => void found.push(await ctx.client.inspectContainer(ref)), false);
    ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    return code;
  },
};

export const logsCommand: Command = {
  name: 'logs',
  usage: '[OPTIONS] CONTAINER',
  summary: "Fetch a container's logs",
  flags: [
    { long: 'follow', short: 'f', help: 'Follow log output until the container stops' },
    { long: 'tail', short: 'n', value: true, metavar: 'N', help: 'Number of lines to show from the end (default "all")' },
    { long: 'timestamps', short: 't', help: 'Show timestamps' },
  ],
  async run(ctx, p) {
    if (p.args.length !== 1) throw new UsageError('requires exactly 1 container name or ID');
    const tailRaw = str(p, 'tail');
    const tail = tailRaw === undefined || tailRaw === 'all' ? undefined : int(p, 'tail', { min: 0, spec: this.flags });
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    try {
      for await (const rec of ctx.client.logs(p.args[0]!, { follow: bool(p, 'follow'), tail, timestamps: bool(p, 'timestamps'), signal: abort.signal })) {
        (rec.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(rec.data);
      }
    } finally {
      process.off('SIGINT', stop);
    }
    return 0;
  },
};
