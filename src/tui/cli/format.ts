// Output formatting for the CLI, as docker prints it: tables aligned by tabwriter with three
// spaces of padding, 12-character IDs, "5 minutes ago", quoted and truncated commands.
import type { BoxifyStatsEntry, ContainerSummary, ImageSummary, PortSummary } from '../../core/api/types.js';
import { humanDuration } from '../../core/duration.js';
import { formatBytes, formatBytesDecimal } from '../../core/size.js';

/** Columns padded to the widest cell plus three spaces; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => [...(r[c] ?? '')].length)));
  return all
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length + 3)))
        .join('')
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('');
}

/** docker/go-units HumanDuration: the same function the daemon's STATUS uses. */
export { humanDuration };

export function ago(unixSeconds: number, now = Date.now()): string {
  return `${humanDuration(Math.max(0, now - unixSeconds * 1000))} ago`;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Cut to `max` characters with an ellipsis, as docker's ps does. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

export function formatPorts(ports: PortSummary[]): string {
  return ports
    .map((p) => (p.PublicPort ? `${p.IP || '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`))
    .join(', ');
}

export function psTable(containers: ContainerSummary[], now = Date.now()): string {
  return table(
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
    containers.map((c) => [
      shortId(c.Id),
      c.Image,
      `"${ellipsis(c.Command, 20)}"`,
      ago(c.Created, now),
      c.Status,
      formatPorts(c.Ports ?? []),
      (c.Names ?? []).map((n) => n.replace(/^\//, '')).join(','),
    ]),
  );
}

export function imagesTable(images: ImageSummary[], now = Date.now()): string {
  const rows: string[][] = [];
  for (const img of images) {
    const tags = img.RepoTags?.length ? img.RepoTags : ['<none>:<none>'];
    for (const tag of tags) {
      const at = tag.lastIndexOf(':');
      const repo = at > tag.lastIndexOf('/') ? tag.slice(0, at) : tag;
      const t = at > tag.lastIndexOf('/') ? tag.slice(at + 1) : '<none>';
      rows.push([repo, t, shortId(img.Id), ago(img.Created, now), formatBytesDecimal(img.Size)]);
    }
  }
  return table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows);
}

export function statsTable(entries: BoxifyStatsEntry[]): string {
  return table(
    ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'PIDS'],
    entries.map((e) => [
      shortId(e.id),
      e.name.replace(/^\//, ''),
      `${e.cpuPercent.toFixed(2)}%`,
      `${formatBytes(e.memoryUsage)} / ${formatBytes(e.memoryLimit)}`,
      e.memoryLimit > 0 ? `${((e.memoryUsage / e.memoryLimit) * 100).toFixed(2)}%` : '--',
      `${formatBytesDecimal(e.netRx)} / ${formatBytesDecimal(e.netTx)}`,
      String(e.pids),
    ]),
  );
}
