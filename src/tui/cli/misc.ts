// stats, version.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoxifyStatsEntry } from '../../core/api/types.js';
import { API_VERSION } from '../../core/api/types.js';
import { bool } from './args.js';
import type { CliContext, Command } from './context.js';
import { statsTable } from './format.js';

export const statsCommand: Command = {
  name: 'stats',
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container resource usage',
  flags: [
    { long: 'no-stream', help: 'Print one sample and exit' },
    { long: 'json', help: 'Print JSON (one array per sample)' },
  ],
  details: 'CPU % is measured between two samples; 100% is one full core.',
  async run(ctx, p) {
    const pick = (all: BoxifyStatsEntry[]) =>
      p.args.length === 0 ? all : all.filter((e) => p.args.some((r) => e.id.startsWith(r) || e.name.replace(/^\//, '') === r));
    const print = (entries: BoxifyStatsEntry[], clear: boolean) => {
      if (bool(p, 'json')) ctx.stdout.write(`${JSON.stringify(entries)}\n`);
      else ctx.stdout.write(`${clear ? '\x1b[2J\x1b[H' : ''}${statsTable(entries)}`);
    };
    // The daemon's CPU % covers the time since its previous sample, so the first answer
    // can span a long idle time: take one, then show the next.
    await ctx.client.allStats();
    if (bool(p, 'no-stream')) {
      await delay(500);
      print(pick(await ctx.client.allStats()), false);
      return 0;
    }
    let stopped = false;
    const stop = () => void (stopped = true);
    process.once('SIGINT', stop);
    try {
      while (!stopped) {
        await delay(1000);
        if (stopped) break;
        print(pick(await ctx.client.allStats()), ctx.stdoutIsTTY && !bool(p, 'json'));
      }
    } finally {
      process.off('SIGINT', stop);
    }
    return 0;
  },
};

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** This program's version, from the package.json above the compiled file. */
export function clientVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'boxify' && pkg.version) return pkg.version;
    } catch {
      // keep looking upwards
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export const versionCommand: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  summary: 'Show the Boxify version information',
  flags: [{ long: 'json', help: 'Print JSON' }],
  async run(ctx: CliContext, p) {
    const client = { Version: clientVersion(), ApiVersion: API_VERSION, NodeVersion: process.version, Os: process.platform, Arch: process.arch };
    if (bool(p, 'json')) {
      const server = await ctx.client.version();
      ctx.stdout.write(`${JSON.stringify({ Client: client, Server: server }, null, 2)}\n`);
      return 0;
    }
    ctx.stdout.write(
      `Client:\n Version:      ${client.Version}\n API version:  ${client.ApiVersion}\n Node version: ${client.NodeVersion}\n OS/Arch:      ${client.Os}/${client.Arch}\n\n`,
    );
    const server = await ctx.client.version();
    ctx.stdout.write(
      `Server: Boxify\n Version:      ${server.Version}\n API version:  ${server.ApiVersion} (minimum version ${server.MinAPIVersion})\n` +
        ` OS/Arch:      ${server.Os}/${server.Arch}\n Kernel:       ${server.KernelVersion}\n`,
    );
    return 0;
  },
};
