// The events pane (the daemon's event stream) and the tasks pane (background operations).
import { Box, Text } from 'ink';
import { clock, fit, formatBytes } from '../state/format.js';
import { eventsTop, visibleEvents, type EventsState } from '../state/events.js';
import { taskProgress, type Task, type TasksState } from '../state/tasks.js';
import { useTheme, type Tone } from '../theme.js';
import { bar } from './ResourcePanes.js';

function eventTone(action: string): Tone {
  if (/^(die|kill|oom|destroy|delete|untag|health_status: unhealthy)/.test(action)) return 'failed';
  if (/^(start|create|pull|health_status: healthy)/.test(action)) return 'running';
  return 'muted';
}

export function EventsPane({ events, width, height }: { events: EventsState; width: number; height: number }) {
  const theme = useTheme();
  const list = visibleEvents(events);
  const body = Math.max(1, height - 1);
  const top = eventsTop(events, list.length, body);
  const status = [
    events.status === 'live' ? (events.top === null ? 'live, following' : `live · line ${top + 1}/${list.length}`) : events.status === 'reconnecting' ? `reconnecting: ${events.error ?? ''}` : 'connecting…',
    `${list.length}${events.filter ? ` of ${events.items.length}` : ''} events`,
    events.filter ? `filter "${events.filter}"` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <Box flexDirection="column" height={height}>
      <Text bold underline wrap="truncate">
        {fit(`${'TIME'.padEnd(9)}${'TYPE'.padEnd(10)}${'ACTION'.padEnd(16)}${'ACTOR'.padEnd(24)}  ${status}`, width)}
      </Text>
      {list.length === 0 ? (
        <Text color={theme.color('muted')}>{events.filter ? `no event matches "${events.filter}"` : 'waiting for events (start, stop, pull something)…'}</Text>
      ) : (
        list.slice(top, top + body).map((e) => {
          const attrs = Object.entries(e.attributes)
            .filter(([k]) => k !== 'name')
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
          return (
            <Text key={e.seq} wrap="truncate">
              {clock(e.time).padEnd(9)}
              {e.type.padEnd(10)}
              <Text color={theme.color(eventTone(e.action))}>{fit(e.action, 15).padEnd(16)}</Text>
              {fit(e.actor, 23).padEnd(24)}
              <Text color={theme.color('muted')}>{fit(attrs, Math.max(0, width - 59))}</Text>
            </Text>
          );
        })
      )}
    </Box>
  );
}

function taskLine(t: Task, width: number): string {
  const state = t.status === 'running' ? 'running' : t.status === 'done' ? 'done' : 'FAILED';
  const p = taskProgress(t);
  const progress = t.status === 'running' && p !== null ? ` ${Math.round(p * 100)}%` : t.steps ? ` ${t.steps.done}/${t.steps.total}` : '';
  const msg = t.message ? ` · ${t.message}` : '';
  return fit(`${clock(t.started)}  ${state.padEnd(8)}${t.label}${progress}${msg}`, width);
}

/** Tasks listed newest first; the chosen one's layers or output below. */
export function TasksPane({ tasks, width, height }: { tasks: TasksState; width: number; height: number }) {
  const theme = useTheme();
  const items = [...tasks.items].reverse();
  const sel = items.find((t) => t.id === tasks.selected) ?? items[0];
  const listHeight = Math.max(3, Math.min(items.length + 1, Math.floor(height / 2)));
  const detailHeight = height - listHeight - 1;
  const detail: { text: string; tone?: Tone }[] = [];
  if (sel) {
    if (sel.message && sel.status === 'failed') detail.push({ text: `error: ${sel.message}`, tone: 'error' });
    for (const l of sel.layers) {
      const frac = l.total > 0 ? Math.min(1, l.current / l.total) : /complete|exists/i.test(l.status) ? 1 : 0;
      const size = l.total > 0 ? ` ${formatBytes(l.current)}/${formatBytes(l.total)}` : '';
      detail.push({ text: `${l.id.padEnd(13)}${fit(l.status, 18).padEnd(19)}${bar(frac, Math.max(4, Math.min(30, width - 60)))}${size}` });
    }
    for (const l of sel.lines) detail.push({ text: l, tone: 'muted' });
    if (sel.message && sel.status !== 'failed') detail.push({ text: sel.message });
  }
  return (
    <Box flexDirection="column" height={height}>
      <Text bold underline wrap="truncate">
        {fit(`${'STARTED'.padEnd(10)}${'STATE'.padEnd(8)}TASK`, width)}
      </Text>
      {items.length === 0 ? (
        <Text color={theme.color('muted')}>no tasks yet: pulls, prunes and actions on several containers show here while they run</Text>
      ) : (
        items.slice(0, listHeight - 1).map((t) => (
          <Text key={t.id} inverse={t.id === sel?.id} color={t.status === 'failed' ? theme.color('error') : t.status === 'running' ? theme.color('pending') : undefined} bold={t.status === 'failed' && !t.read} wrap="truncate">
            {taskLine(t, width)}
          </Text>
        ))
      )}
      <Box height={Math.max(0, listHeight - 1 - Math.max(1, Math.min(items.length, listHeight - 1)))} />
      <Text color={theme.color('muted')} wrap="truncate">
        {fit(`─ ${sel ? sel.label : 'task'} ${'─'.repeat(width)}`, width)}
      </Text>
      {detail.slice(-Math.max(0, detailHeight)).map((d, i) => (
        <Text key={i} color={d.tone ? theme.color(d.tone) : undefined} wrap="truncate">
          {fit(d.text, width)}
        </Text>
      ))}
    </Box>
  );
}
