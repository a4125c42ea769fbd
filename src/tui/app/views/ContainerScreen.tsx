// A container's screen: a tab bar, then the tab: Info, Logs, Stats (line graphs over the last
// minutes), Env, Config (foldable JSON), Top (processes, refreshed), Health (probe log).
import { Box, Text } from 'ink';
import type { History, Row } from '../state/containers.js';
import { TAB_TITLES, tabsOf, type DetailState, type Tab } from '../state/detail.js';
import { inspectLines } from '../state/details.js';
import { fit, formatBytes, formatPercent, formatRate } from '../state/format.js';
import { lineGraph, niceMax } from '../state/graph.js';
import { jsonLines } from '../state/json.js';
import { useTheme, type Tone } from '../theme.js';
import { LogsView } from './LogsView.js';

export interface DetailTab {
  tab: Tab;
  label: string;
  x: number;
}

/** The tab bar's tabs and where each starts (for the mouse). */
export function detailTabs(d: DetailState): DetailTab[] {
  let x = 0;
  return tabsOf(d).map((tab, i) => {
    const label = ` ${TAB_TITLES[tab]} `;
    const t = { tab, label, x };
    x += label.length + (i < 6 ? 0 : 0);
    return t;
  });
}

/** The lines of the plain-text tabs (for scrolling bounds too). */
export function textTabLines(d: DetailState): string[] | null {
  const i = d.inspect;
  switch (d.tab) {
    case 'info':
      return i ? inspectLines(i) : null;
    case 'env': {
      if (!i) return null;
      const env = [...(i.Config?.Env ?? [])].sort();
      return env.length ? env : ['(no environment variables)'];
    }
    case 'top': {
      if (!d.top) return null;
      if (d.top.error) return [`cannot list the processes: ${d.top.error}`];
      const widths = d.top.titles.map((t, c) => Math.max(t.length, ...d.top!.processes.map((p) => (c === d.top!.titles.length - 1 ? 0 : (p[c] ?? '').length))));
      const row = (cells: string[]) => cells.map((v, c) => (c === cells.length - 1 ? v : v.padEnd(widths[c]!))).join('  ');
      return [row(d.top.titles), ...d.top.processes.map(row)];
    }
    case 'health': {
      const h = (i?.State as { Health?: { Status?: string; FailingStreak?: number; Log?: { Start?: string; End?: string; ExitCode?: number; Output?: string }[] } } | undefined)?.Health;
      if (!h) return ['no health reported yet'];
      const out = [`status ${h.Status ?? '-'}, failing streak ${h.FailingStreak ?? 0}`, ''];
      for (const l of [...(h.Log ?? [])].reverse()) {
        out.push(`${l.Start ?? ''}  exit ${l.ExitCode ?? '-'}`);
        for (const o of (l.Output ?? '').trimEnd().split('\n')) if (o) out.push(`  ${o}`);
      }
      return out;
    }
    default:
      return null;
  }
}

export function ContainerScreen({ detail, row, history, width, height, now }: { detail: DetailState; row: Row | undefined; history: History | undefined; width: number; height: number; now: number }) {
  const theme = useTheme();
  const tabs = detailTabs(detail);
  const used = tabs.reduce((a, t) => a + t.label.length, 0);
  const state = row ? `${row.name} · ${row.state}` : `${detail.name} · gone`;
  const body = height - 1;
  let content;
  switch (detail.tab) {
    case 'logs':
      content = <LogsView logs={detail.logs} name={detail.name} width={width} height={body} />;
      break;
    case 'stats':
      content = <StatsTab row={row} history={history} width={width} height={body} />;
      break;
    case 'config':
      content = <ConfigTab detail={detail} width={width} height={body} />;
      break;
    default: {
      const lines = textTabLines(detail);
      const top = detail.scroll[detail.tab] ?? 0;
      const note =
        detail.tab === 'top' && detail.top && !detail.top.error ? `${detail.top.processes.length} processes · refreshed ${Math.max(0, Math.round((now - detail.top.at) / 1000))}s ago` : '';
      content = (
        <Box flexDirection="column" height={body}>
          {detail.error ? (
            <Text bold color={theme.color('error')} wrap="wrap">
              {detail.error}
            </Text>
          ) : lines === null ? (
            <Text color={theme.color('muted')}>loading…</Text>
          ) : (
            <>
              {note ? <Text color={theme.color('muted')}>{fit(note, width)}</Text> : null}
              {lines.slice(top, top + body - (note ? 1 : 0)).map((l, i) => (
                <Text key={top + i} wrap="truncate" bold={detail.tab === 'top' && top + i === 0}>
                  {detail.tab === 'env' ? <EnvLine text={l} /> : l || ' '}
                </Text>
              ))}
            </>
          )}
        </Box>
      );
    }
  }
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate">
        {tabs.map((t) =>
          t.tab === detail.tab ? (
            <Text key={t.tab} inverse bold>
              {t.label}
            </Text>
          ) : (
            <Text key={t.tab} color={theme.color('muted')}>
              {t.label}
            </Text>
          ),
        )}
        <Text color={theme.color('accent')}>{fit(state, Math.max(0, width - used)).padStart(Math.max(0, width - used))}</Text>
      </Text>
      {content}
    </Box>
  );
}

function EnvLine({ text }: { text: string }) {
  const eq = text.indexOf('=');
  if (eq < 0) return <>{text}</>;
  return (
    <>
      <Text bold>{text.slice(0, eq)}</Text>
      {text.slice(eq)}
    </>
  );
}

function ConfigTab({ detail, width, height }: { detail: DetailState; width: number; height: number }) {
  const theme = useTheme();
  if (!detail.inspect) return <Text color={theme.color('muted')}>{detail.error ?? 'loading…'}</Text>;
  const lines = jsonLines(detail.inspect, detail.json.folded);
  const { top, cursor } = detail.json;
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(top, top + height).map((l, i) => {
        const at = top + i;
        const marker = l.foldable ? (l.folded ? '▸ ' : '▾ ') : '  ';
        return (
          <Text key={at} inverse={at === cursor} wrap="truncate" color={l.folded ? theme.color('accent') : undefined}>
            {fit('  '.repeat(l.depth) + marker + l.text, width)}
          </Text>
        );
      })}
    </Box>
  );
}

interface GraphSpec {
  title: string;
  values: number[];
  now: string;
  max: number;
  label: (v: number) => string;
  tone: Tone;
}

function Graph({ spec, width, height }: { spec: GraphSpec; width: number; height: number }) {
  const theme = useTheme();
  const axis = spec.label(spec.max);
  const axisWidth = Math.max(6, axis.length + 1);
  const gw = Math.max(4, width - axisWidth - 1);
  const rows = lineGraph(spec.values, gw, Math.max(1, height - 1), spec.max);
  const seconds = gw * 2;
  const span = seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">
        <Text bold>{spec.title}</Text>
        {fit(`  ${spec.now}   (last ${span}, scale ${axis})`, Math.max(0, width - spec.title.length))}
      </Text>
      {rows.map((r, i) => (
        <Text key={i} wrap="truncate">
          <Text color={theme.color('muted')}>{(i === 0 ? axis : i === rows.length - 1 ? '0' : '').padStart(axisWidth - 1) + '┤'}</Text>
          <Text color={theme.color(spec.tone)}>{r}</Text>
        </Text>
      ))}
    </Box>
  );
}

/** CPU, memory, network and block I/O over the last minutes, as line graphs (two per row when wide). */
function StatsTab({ row, history, width, height }: { row: Row | undefined; history: History | undefined; width: number; height: number }) {
  const theme = useTheme();
  if (!row || row.state !== 'running' || !history) {
    return <Text color={theme.color('muted')}>{row ? `${row.name} is ${row.state}: no figures while it does not run` : 'the container is gone'}</Text>;
  }
  const last = (v: number[]) => v[v.length - 1] ?? 0;
  const peak = (v: number[]) => Math.max(0, ...v);
  const specs: GraphSpec[] = [
    { title: 'CPU', values: history.cpu, now: formatPercent(row.cpu), max: niceMax(peak(history.cpu), 5), label: (v) => `${v}%`, tone: 'accent' },
    {
      title: 'MEM',
      values: history.mem,
      now: `${formatBytes(row.memUsage)} of ${formatBytes(row.memLimit)}`,
      max: niceMax(peak(history.mem) * 1.25, 1024 * 1024),
      label: formatBytes,
      tone: 'running',
    },
    { title: 'NET rx', values: history.netRx, now: formatRate(last(history.netRx)), max: niceMax(peak(history.netRx), 1024), label: (v) => formatRate(v), tone: 'accent' },
    { title: 'NET tx', values: history.netTx, now: formatRate(last(history.netTx)), max: niceMax(peak(history.netTx), 1024), label: (v) => formatRate(v), tone: 'pending' },
    { title: 'BLK read', values: history.blkRead, now: formatRate(last(history.blkRead)), max: niceMax(peak(history.blkRead), 1024), label: (v) => formatRate(v), tone: 'accent' },
    { title: 'BLK write', values: history.blkWrite, now: formatRate(last(history.blkWrite)), max: niceMax(peak(history.blkWrite), 1024), label: (v) => formatRate(v), tone: 'pending' },
  ];
  const perRow = width >= 80 ? 2 : 1;
  const gridRows = Math.ceil(specs.length / perRow);
  const h = Math.max(2, Math.floor(height / gridRows));
  const w = Math.floor(width / perRow);
  const shownRows = Math.max(1, Math.min(gridRows, Math.floor(height / h)));
  return (
    <Box flexDirection="column" height={height}>
      {Array.from({ length: shownRows }, (_, r) => (
        <Box key={r} flexDirection="row" height={h}>
          {specs.slice(r * perRow, r * perRow + perRow).map((s) => (
            <Graph key={s.title} spec={s} width={w - (perRow > 1 ? 1 : 0)} height={h} />
          ))}
        </Box>
      ))}
    </Box>
  );
}
