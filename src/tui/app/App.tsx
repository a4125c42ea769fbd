// The TUI's root component: one reducer for all state, the hooks that talk to the daemon
// (the 1 Hz stats refresh, the event stream, the pane lists, logs, the container screen), the
// input router, and the layout of the screen: header, the pane or screen, footer. The panes
// and screens themselves are views under views/; what keys do is in input/handlers.ts and
// the side effects in hooks/useOps.ts.
import { Box, useApp } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { EventMessage, TuiClient } from './client.js';
import type { ViewGeometry } from './input/handlers.js';
import { appReducer, initialState, type AppAction, type AppState } from './state/app.js';
import type { PaneId } from './state/command.js';
import { selectedItem, visibleItems } from './state/containers.js';
import { visibleEvents } from './state/events.js';
import { visibleResources } from './state/resources.js';
import { unreadErrors } from './state/tasks.js';
import { useContainerScreen } from './hooks/useContainerScreen.js';
import { useEventsStream } from './hooks/useEventsStream.js';
import { useInputRouter } from './hooks/useInputRouter.js';
import { useLogsStream } from './hooks/useLogsStream.js';
import { useOps, type SessionRequest } from './hooks/useOps.js';
import { usePoller } from './hooks/usePoller.js';
import { useResources } from './hooks/useResources.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { ThemeContext, makeTheme, type Theme } from './theme.js';
import { EventsPane, TasksPane } from './views/ActivityPanes.js';
import { ContainerScreen, detailTabs, textTabLines } from './views/ContainerScreen.js';
import { Confirm, CONFIRM_HEIGHT } from './views/Confirm.js';
import { CreateForm, FORM_TOP, formFieldRows } from './views/CreateForm.js';
import { DETAIL_HEIGHT, DetailPane } from './views/DetailPane.js';
import { Footer } from './views/Footer.js';
import { Header, HEADER_HEIGHT, paneTabs } from './views/Header.js';
import { Help, helpMaxScroll, type HelpSection } from './views/Help.js';
import { DETAIL_KEYS, FORM_KEYS, GLOBAL_KEYS, PANE_KEYS, TAB_KEYS, footerHints } from './views/keyHelp.js';
import { containerColumns, scrollTop } from './views/layout.js';
import { ImagesPane, NetworksPane, RESOURCE_DETAIL_HEIGHT, VolumesPane } from './views/ResourcePanes.js';
import { Table } from './views/Table.js';
import { Unavailable } from './views/Unavailable.js';
import { jsonLines } from './state/json.js';

export type { SessionRequest };

/** How the app ended: quit, or handing the terminal to a process in a container (the caller renders it again). */
export type AppExit = { kind: 'quit' } | { kind: 'session'; session: SessionRequest };

export interface AppProps {
  client: TuiClient;
  socketPath: string;
  /** State to start from, e.g. the one saved before a shell took the terminal. */
  initial?: AppState;
  /** Called after every state change, so the caller can keep it across a remount. */
  onState?: (s: AppState) => void;
  /** Default: end the Ink app with { kind: 'session' } as its exit value. */
  onSession?: (s: SessionRequest) => void;
  /** Default: end the Ink app with { kind: 'quit' }. */
  onQuit?: () => void;
  /** The stats refresh (default 1 s). */
  pollMs?: number;
  /** The container list refresh when no event asked for one (default 10 s). */
  listEveryMs?: number;
  theme?: Theme;
  /** False while another program owns the terminal: no key is read. Default true. */
  inputEnabled?: boolean;
  /** Screen size; default the terminal's (ink-testing-library has no rows). */
  size?: { columns: number; rows: number };
}

const NOTICE_MS = 4000;

function helpSections(s: AppState): HelpSection[] {
  const back = s.mode.kind === 'help' ? s.mode.back : undefined;
  if (back?.kind === 'detail') {
    return [
      { title: `Container screen: ${back.detail.tab}`, keys: [...TAB_KEYS[back.detail.tab], ...DETAIL_KEYS] },
      { title: 'Everywhere', keys: GLOBAL_KEYS },
    ];
  }
  return [
    { title: `${s.pane[0]!.toUpperCase()}${s.pane.slice(1)}`, keys: PANE_KEYS[s.pane] },
    { title: 'Everywhere', keys: GLOBAL_KEYS },
    { title: 'In a container screen (d, l; ? there lists its keys)', keys: DETAIL_KEYS },
  ];
}

export function App(props: AppProps) {
  const { client, socketPath } = props;
  const { exit } = useApp();
  // One reducer, applied once per action: the ref is the newest state (keys read it before
  // React renders), the React state makes the render happen.
  const stateRef = useRef<AppState>(props.initial ?? initialState());
  const [state, setState] = useState(stateRef.current);
  const dispatch = useCallback((a: AppAction) => {
    const next = appReducer(stateRef.current, a);
    if (next === stateRef.current) return;
    stateRef.current = next;
    setState(next);
  }, []);
  const theme = useMemo(() => props.theme ?? makeTheme(), [props.theme]);
  const terminal = useTerminalSize();
  const { columns: width, rows } = props.size ?? terminal;
  // One line less than the terminal: a frame as tall as the terminal makes Ink clear the
  // whole screen on every update (flicker); this way only changed lines are rewritten.
  const height = Math.max(10, rows - 1);
  const bodyHeight = height - HEADER_HEIGHT - 1;
  const sessionRef = useRef(false);

  useEffect(() => {
    props.onState?.(state);
  }, [state, props.onState]);

  const poller = usePoller(client, dispatch, stateRef, props.pollMs ?? 1000, props.listEveryMs ?? 10_000);
  const shownResource = state.mode.kind === 'browse' || state.mode.kind === 'confirm' ? (state.pane === 'images' || state.pane === 'volumes' || state.pane === 'networks' ? state.pane : null) : null;
  const resources = useResources(client, shownResource, dispatch);
  const detailId = state.mode.kind === 'detail' ? state.mode.detail.id : null;
  const screen = useContainerScreen(client, detailId, state.mode.kind === 'detail' && state.mode.detail.tab === 'top', dispatch);
  const logs = useLogsStream(client, detailId, dispatch, () => {
    const s = stateRef.current;
    if (s.mode.kind !== 'detail') return null;
    const id = s.mode.detail.id;
    const row = s.list.rows.find((r) => r.id === id);
    return { logs: s.mode.detail.logs, running: row ? row.state === 'running' : null };
  });

  // Events say what changed: refetch exactly that.
  const onEvent = useCallback(
    (type: string, ev: EventMessage) => {
      const s = stateRef.current;
      if (type === 'container' || type === 'reconnected') {
        poller.kick();
        if (s.mode.kind === 'detail' && (type === 'reconnected' || ev.Actor?.ID === s.mode.detail.id) && !/^exec_/.test(ev.Action ?? '')) screen.reinspect();
      }
      for (const kind of ['images', 'volumes', 'networks'] as const) {
        if ((type === kind.slice(0, -1) || type === 'reconnected') && (s[kind].loaded || s.pane === kind)) resources.reload(kind);
      }
    },
    [poller, screen, resources],
  );
  useEventsStream(client, dispatch, onEvent);

  // A notice goes away by itself; errors of tasks stay until read.
  useEffect(() => {
    if (!state.notice) return;
    const notice = state.notice;
    const t = setTimeout(() => {
      if (stateRef.current.notice === notice) dispatch({ type: 'notice', text: null });
    }, NOTICE_MS);
    return () => clearTimeout(t);
  }, [state.notice, dispatch]);

  const ops = useOps({
    client,
    dispatch,
    stateRef,
    poller,
    resources,
    logs,
    quit: () => (props.onQuit ? props.onQuit() : exit({ kind: 'quit' } satisfies AppExit)),
    session: (session) => {
      if (sessionRef.current) return;
      if (props.onSession) return props.onSession(session);
      sessionRef.current = true;
      exit({ kind: 'session', session } satisfies AppExit);
    },
    logsHeight: () => Math.max(1, bodyHeight - 2),
  });

  // ---- layout (also what the mouse and the page keys need) ----
  const mode = state.mode;
  const confirmShown = mode.kind === 'confirm';
  const paneHeight = bodyHeight - (confirmShown ? CONFIRM_HEIGHT : 0);
  const topRefs = useRef<Record<PaneId, number>>({ containers: 0, images: 0, volumes: 0, networks: 0, events: 0, tasks: 0 });
  const geometry: ViewGeometry = {
    width,
    height,
    listY: HEADER_HEIGHT,
    listRows: 0,
    listTop: 0,
    listKeys: [],
    paneTabs: paneTabs(width).map((t) => ({ pane: t.pane, x: t.x, width: t.label.length })),
    tabsY: HEADER_HEIGHT,
    detailTabs: [],
    page: Math.max(1, bodyHeight - 1),
    textLines: 0,
    formY: HEADER_HEIGHT + FORM_TOP,
    formRows: [],
  };

  let body: ReactElement | null = null;
  let hints = '';
  let paneInfo = '';
  const list = (pane: PaneId, keys: string[], selected: string | null, rowsShown: number) => {
    const index = Math.max(0, selected === null ? 0 : keys.indexOf(selected));
    const top = scrollTop(topRefs.current[pane], index, keys.length, rowsShown);
    topRefs.current[pane] = top;
    geometry.listRows = rowsShown;
    geometry.listTop = top;
    geometry.listKeys = keys;
    return top;
  };

  if (mode.kind === 'help') {
    const sections = helpSections(state);
    geometry.textLines = helpMaxScroll(sections, width, bodyHeight);
    body = <Help sections={sections} width={width} height={bodyHeight} scroll={mode.scroll} />;
    hints = 'any key closes the help  ↑↓ scroll';
  } else if (mode.kind === 'create') {
    geometry.formRows = formFieldRows(mode.form, width, bodyHeight);
    body = <CreateForm form={mode.form} width={width} height={bodyHeight} />;
    hints = footerHints(FORM_KEYS, width, '');
  } else if (mode.kind === 'detail') {
    const d = mode.detail;
    const row = state.list.rows.find((r) => r.id === d.id);
    geometry.detailTabs = detailTabs(d).map((t) => ({ tab: t.tab, x: t.x, width: t.label.length }));
    const tabBody = bodyHeight - 1;
    geometry.page = Math.max(1, d.tab === 'logs' ? tabBody - 1 : d.tab === 'top' ? tabBody - 1 : tabBody);
    geometry.textLines = d.tab === 'config' ? (d.inspect ? jsonLines(d.inspect, d.json.folded).length : 0) : (textTabLines(d)?.length ?? 0);
    body = <ContainerScreen detail={d} row={row} history={state.list.history[d.id]} width={width} height={bodyHeight} now={state.now} />;
    hints = footerHints([...TAB_KEYS[d.tab], ...DETAIL_KEYS], width, '? help');
  } else {
    const pane = state.pane;
    hints = footerHints([...PANE_KEYS[pane], ...GLOBAL_KEYS], width);
    switch (pane) {
      case 'containers': {
        const l = state.list;
        const items = visibleItems(l);
        const tableHeight = paneHeight - (confirmShown ? 0 : DETAIL_HEIGHT);
        const keys = items.map((i) => i.key);
        const top = list('containers', keys, l.selection.key, Math.max(1, tableHeight - 1));
        const shownRows = items.slice(top, top + tableHeight).flatMap((i) => (i.kind === 'row' ? [i.row] : []));
        const want = {
          name: Math.max(4, ...shownRows.map((r) => r.name.length + (r.project && l.grouping ? 2 : 0))),
          image: Math.max(5, ...shownRows.map((r) => r.image.length)),
          ports: Math.max(0, ...shownRows.map((r) => r.ports.length)),
        };
        const cols = containerColumns(width, { health: l.rows.some((r) => r.health !== null), want });
        const { key, reverse } = l.sort;
        // What matters most first: a narrow screen cuts the end.
        paneInfo = `${l.marks.length ? `${l.marks.length} marked  ` : ''}${l.filter ? `filter "${l.filter}"  ` : ''}sort ${key}${reverse ? ' (reversed)' : ''} `;
        body = (
          <>
            <Table list={l} items={items} cols={cols} width={width} height={tableHeight} top={top} />
            {confirmShown ? null : <DetailPane list={l} item={selectedItem(l)} width={width} />}
          </>
        );
        break;
      }
      case 'images':
      case 'volumes':
      case 'networks': {
        const pulls = pane === 'images' ? state.tasks.items.filter((t) => t.label.startsWith('pull ') && t.status === 'running') : [];
        const tableHeight = paneHeight - RESOURCE_DETAIL_HEIGHT - Math.min(3, pulls.length);
        const rowsShown = Math.max(1, Math.max(3, tableHeight) - 1);
        const info = (n: number, filter: string, marks: number) => `${marks ? `${marks} marked  ` : ''}${filter ? `filter "${filter}"  ` : ''}${n} ${pane} `;
        if (pane === 'images') {
          const r = state.images;
          const items = visibleResources(r);
          const top = list(pane, items.map((i) => i.key), r.selection.key, rowsShown);
          paneInfo = info(items.length, r.filter, r.marks.length);
          body = <ImagesPane state={r} items={items} containers={state.list.rows} pulls={pulls} width={width} height={paneHeight} top={top} now={state.now} />;
        } else if (pane === 'volumes') {
          const r = state.volumes;
          const items = visibleResources(r);
          const top = list(pane, items.map((i) => i.key), r.selection.key, rowsShown);
          paneInfo = info(items.length, r.filter, r.marks.length);
          body = <VolumesPane state={r} items={items} containers={state.list.rows} width={width} height={paneHeight} top={top} />;
        } else {
          const r = state.networks;
          const items = visibleResources(r);
          const top = list(pane, items.map((i) => i.key), r.selection.key, rowsShown);
          paneInfo = info(items.length, r.filter, r.marks.length);
          body = <NetworksPane state={r} items={items} width={width} height={paneHeight} top={top} />;
        }
        break;
      }
      case 'events':
        geometry.page = Math.max(1, paneHeight - 1);
        paneInfo = `${visibleEvents(state.events).length} events `;
        body = <EventsPane events={state.events} width={width} height={paneHeight} />;
        break;
      case 'tasks': {
        const ids = [...state.tasks.items].reverse().map((t) => String(t.id));
        const listHeight = Math.max(3, Math.min(ids.length + 1, Math.floor(paneHeight / 2)));
        list('tasks', ids, state.tasks.selected === null ? null : String(state.tasks.selected), listHeight - 1);
        geometry.listTop = 0;
        paneInfo = `${unreadErrors(state.tasks).length} unread errors `;
        body = <TasksPane tasks={state.tasks} width={width} height={paneHeight} />;
        break;
      }
    }
  }

  const geometryRef = useRef(geometry);
  geometryRef.current = geometry;
  useInputRouter({ get: () => stateRef.current, dispatch, ops, view: () => geometryRef.current }, { enabled: props.inputEnabled ?? true });

  if (state.connection.kind === 'down') {
    return (
      <ThemeContext.Provider value={theme}>
        <Unavailable message={state.connection.message} socketPath={socketPath} attempts={state.connection.attempts} width={width} height={height} />
      </ThemeContext.Provider>
    );
  }
  const error = unreadErrors(state.tasks).at(-1) ?? null;
  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={width} height={height}>
        <Header state={state} socketPath={socketPath} width={width} paneInfo={paneInfo} />
        <Box flexDirection="column" height={bodyHeight}>
          {body}
          {confirmShown ? <Confirm confirm={mode.confirm} width={width} /> : null}
        </Box>
        <Footer prompt={state.prompt} error={error} notice={state.notice} progress={null} hints={hints} width={width} />
      </Box>
    </ThemeContext.Provider>
  );
}
