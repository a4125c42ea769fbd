// The TUI's root component: one reducer for all state, the 1 Hz poller, the logs stream, the
// keyboard hooks of each screen, and the side effects (daemon calls) the keys ask for. The
// screens themselves are small views under views/.
import { Box, Text, useApp } from 'ink';
import TextInput from 'ink-text-input';
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { NsenterInfo, TuiClient } from './client.js';
import { appReducer, initialState, openCreate, openDetails, openLogs, type AppAction, type AppState, type ConfirmAction } from './state/app.js';
import { selectedRow, targets, type Row } from './state/containers.js';
import { inspectLines } from './state/details.js';
import { validateForm, type FormState } from './state/form.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { errorText, usePoller } from './hooks/usePoller.js';
import { useLogsStream } from './hooks/useLogsStream.js';
import { useKeyRouter, type KeyContext, type Ops } from './hooks/useKeys.js';
import { ThemeContext, makeTheme, type Theme } from './theme.js';
import { Header } from './views/Header.js';
import { Table } from './views/Table.js';
import { DETAIL_HEIGHT, DetailPane } from './views/DetailPane.js';
import { Footer, LIST_HINTS } from './views/Footer.js';
import { Help } from './views/Help.js';
import { Confirm } from './views/Confirm.js';
import { CreateForm, FORM_HINTS } from './views/CreateForm.js';
import { LogsView, LOGS_HINTS } from './views/LogsView.js';
import { DetailsView, DETAILS_HINTS } from './views/DetailsView.js';
import { Unavailable } from './views/Unavailable.js';

export interface AttachRequest {
  id: string;
  name: string;
  info: NsenterInfo;
}

/** How the app ended: quit, or handing the terminal to a shell (the caller renders it again). */
export type AppExit = { kind: 'quit' } | { kind: 'attach'; attach: AttachRequest };

export interface AppProps {
  client: TuiClient;
  socketPath: string;
  /** State to start from, e.g. the one saved before a shell took the terminal. */
  initial?: AppState;
  /** Called after every state change, so the caller can keep it across a remount. */
  onState?: (s: AppState) => void;
  /** Default: end the Ink app with { kind: 'attach' } as its exit value. */
  onAttach?: (a: AttachRequest) => void;
  /** Default: end the Ink app with { kind: 'quit' }. */
  onQuit?: () => void;
  pollMs?: number;
  theme?: Theme;
  /** False while another program owns the terminal: no key is read. Default true. */
  inputEnabled?: boolean;
  /** Screen size; default the terminal's (ink-testing-library has no rows). */
  size?: { columns: number; rows: number };
}

const VERB: Record<ConfirmAction | 'start' | 'restart', string> = {
  stop: 'stopping',
  kill: 'killing',
  remove: 'removing',
  start: 'starting',
  restart: 'restarting',
};

const BANNER_MS = { info: 4000, error: 10000 };

export function App(props: AppProps) {
  const { client, socketPath } = props;
  const { exit } = useApp();
  const [state, reactDispatch] = useReducer(appReducer, props.initial ?? initialState());
  // Key handlers and async work read the newest state from here. It is advanced eagerly by
  // the same pure reducer at dispatch time, because React renders (and so updates `state`)
  // later, and a second key can arrive before that.
  const stateRef = useRef(state);
  const dispatch = useCallback((a: AppAction) => {
    stateRef.current = appReducer(stateRef.current, a);
    reactDispatch(a);
  }, []);
  const theme = useMemo(() => props.theme ?? makeTheme(), [props.theme]);
  const terminal = useTerminalSize();
  const { columns: width, rows } = props.size ?? terminal;
  // One line less than the terminal: a frame as tall as the terminal makes Ink clear the
  // whole screen on every update (flicker); this way only changed lines are rewritten.
  const height = Math.max(10, rows - 1);
  const attachingRef = useRef(false);

  useEffect(() => {
    props.onState?.(state);
  }, [state, props.onState]);

  const poller = usePoller(client, dispatch, stateRef, props.pollMs ?? 1000);
  useLogsStream(client, state.mode.kind === 'logs' ? state.mode.id : null, dispatch);

  const detailsId = state.mode.kind === 'details' ? state.mode.id : null;
  useEffect(() => {
    if (!detailsId) return;
    client
      .inspectContainer(detailsId)
      .then((inspect) => dispatch({ type: 'details/loaded', id: detailsId, inspect }))
      .catch((err) => dispatch({ type: 'details/failed', id: detailsId, message: errorText(err) }));
  }, [client, detailsId]);

  // Banners go away by themselves; errors stay longer.
  useEffect(() => {
    if (!state.banner) return;
    const banner = state.banner;
    const t = setTimeout(() => {
      if (stateRef.current.banner === banner) dispatch({ type: 'banner', banner: null });
    }, BANNER_MS[banner.level]);
    return () => clearTimeout(t);
  }, [state.banner]);

  const error = useCallback((text: string) => dispatch({ type: 'banner', banner: { level: 'error', text } }), []);
  const info = useCallback((text: string) => dispatch({ type: 'banner', banner: { level: 'info', text } }), []);

  const runAction = useCallback(
    async (kind: ConfirmAction | 'start' | 'restart', rows: Row[], force = false) => {
      const ids = rows.map((r) => r.id);
      dispatch({ type: 'busy', ids, label: VERB[kind] });
      const results = await Promise.allSettled(
        rows.map((r) => {
          switch (kind) {
            case 'stop':
              return client.stopContainer(r.id);
            case 'kill':
              return client.killContainer(r.id);
            case 'remove':
              return client.removeContainer(r.id, { force });
            case 'start':
              return client.startContainer(r.id);
            case 'restart':
              return client.restartContainer(r.id);
          }
        }),
      );
      dispatch({ type: 'busy', ids, label: null });
      const failed = results
        .map((res, i) => (res.status === 'rejected' ? `${rows[i]!.name}: ${errorText(res.reason)}` : null))
        .filter((x): x is string => x !== null);
      if (failed.length > 0) error(`${kind} failed for ${failed.join('; ')}`);
      poller.kick();
    },
    [client, error, poller],
  );

  const ops: Ops = {
    quit: () => (props.onQuit ? props.onQuit() : exit({ kind: 'quit' } satisfies AppExit)),
    attach: () => {
      const row = selectedRow(stateRef.current.list);
      if (!row || attachingRef.current) return;
      if (row.state !== 'running') return error(`${row.name} is not running: press u to start it`);
      attachingRef.current = true;
      info(`opening a shell in ${row.name}…`);
      client
        .nsenterInfo(row.id)
        .then((nsinfo) => {
          const req: AttachRequest = { id: row.id, name: row.name, info: nsinfo };
          if (props.onAttach) props.onAttach(req);
          else exit({ kind: 'attach', attach: req } satisfies AppExit);
        })
        .catch((err) => error(`cannot open a shell in ${row.name}: ${errorText(err)}`))
        .finally(() => {
          attachingRef.current = false;
        });
    },
    openCreate: () => {
      dispatch({ type: 'mode', mode: openCreate() });
      client
        .listImages()
        .then((images) => {
          const refs = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t && t !== '<none>:<none>'));
          dispatch({ type: 'form/images', images: refs });
        })
        .catch((err) => {
          dispatch({ type: 'form/images', images: [] });
          dispatch({ type: 'form/failed', message: `cannot list images: ${errorText(err)}` });
        });
    },
    openLogs: () => {
      const row = selectedRow(stateRef.current.list);
      if (row) dispatch({ type: 'mode', mode: openLogs(row.id, row.name) });
    },
    openDetails: () => {
      const row = selectedRow(stateRef.current.list);
      if (row) dispatch({ type: 'mode', mode: openDetails(row.id, row.name) });
    },
    askConfirm: (action) => {
      let rows = targets(stateRef.current.list);
      if (action !== 'remove') {
        const running = rows.filter((r) => r.state === 'running' || r.state === 'paused' || r.state === 'restarting');
        if (running.length === 0 && rows.length > 0) {
          return error(`${rows.length === 1 ? rows[0]!.name + ' is' : 'none of them is'} not running`);
        }
        rows = running;
      }
      if (rows.length === 0) return;
      const force = rows.some((r) => r.state === 'running' || r.state === 'paused' || r.state === 'restarting');
      dispatch({ type: 'mode', mode: { kind: 'confirm', action, ids: rows.map((r) => r.id), names: rows.map((r) => r.name), force } });
    },
    confirmed: () => {
      const { mode, list } = stateRef.current;
      if (mode.kind !== 'confirm') return;
      const rows = list.rows.filter((r) => mode.ids.includes(r.id));
      dispatch({ type: 'back' });
      dispatch({ type: 'clearMarks' });
      void runAction(mode.action, rows, mode.force);
    },
    start: () => {
      const rows = targets(stateRef.current.list).filter((r) => r.state !== 'running');
      if (rows.length === 0) return info('already running');
      void runAction('start', rows);
    },
    restart: () => {
      const rows = targets(stateRef.current.list);
      if (rows.length > 0) void runAction('restart', rows);
    },
    submitForm: (form: FormState) => {
      const v = validateForm(form);
      if (!v.ok) return dispatch({ type: 'form/errors', errors: v.errors });
      dispatch({ type: 'form/submitting' });
      (async () => {
        let id: string;
        try {
          id = (await client.createContainer(v.body, v.name)).Id;
        } catch (err) {
          return dispatch({ type: 'form/failed', message: errorText(err) });
        }
        dispatch({ type: 'mode', mode: { kind: 'list' } });
        dispatch({ type: 'created', id });
        try {
          await client.startContainer(id);
          info(`created and started ${v.name ?? id.slice(0, 12)}`);
        } catch (err) {
          error(`created ${v.name ?? id.slice(0, 12)} but it did not start: ${errorText(err)}`);
        }
        poller.kick();
      })();
    },
  };

  // Layout: header, body, footer; the list screen's body is the table plus the detail pane.
  const bodyHeight = height - 2;
  const tableHeight = bodyHeight - DETAIL_HEIGHT;
  const mode = state.mode;
  const details = mode.kind === 'details' && mode.inspect ? inspectLines(mode.inspect) : null;
  const page = mode.kind === 'logs' || mode.kind === 'details' ? bodyHeight - 1 : tableHeight - 1;
  const ctx: KeyContext = { get: () => stateRef.current, dispatch, ops, page: Math.max(1, page), detailLines: details?.length ?? 0 };
  useKeyRouter(ctx, { enabled: props.inputEnabled ?? true });

  let body;
  let footer;
  if (state.connection.kind === 'down') {
    return (
      <ThemeContext.Provider value={theme}>
        <Unavailable message={state.connection.message} socketPath={socketPath} attempts={state.connection.attempts} width={width} height={height} />
      </ThemeContext.Provider>
    );
  }
  switch (mode.kind) {
    case 'list':
    case 'filter':
    case 'confirm':
      body = (
        <>
          <Table list={state.list} width={width} height={tableHeight} />
          {mode.kind === 'confirm' ? (
            <Confirm action={mode.action} names={mode.names} force={mode.force} width={width} />
          ) : (
            <DetailPane list={state.list} width={width} />
          )}
        </>
      );
      footer =
        mode.kind === 'filter' ? (
          <Footer banner={null} hints="" width={width}>
            <Text bold>/ </Text>
            <TextInput value={state.list.filter} onChange={(text) => dispatch({ type: 'setFilter', text })} focus />
            <Text color={theme.color('muted')}>{'   Enter keep  Esc cancel'}</Text>
          </Footer>
        ) : (
          <Footer banner={state.banner} hints={mode.kind === 'confirm' ? 'y confirm  n/Esc cancel' : LIST_HINTS} width={width} />
        );
      break;
    case 'help':
      body = <Help width={width} height={bodyHeight} />;
      footer = <Footer banner={null} hints="any key closes the help" width={width} />;
      break;
    case 'create':
      body = <CreateForm form={mode.form} width={width} height={bodyHeight} onChange={(field, value) => dispatch({ type: 'form/set', field, value })} />;
      footer = <Footer banner={state.banner} hints={FORM_HINTS} width={width} />;
      break;
    case 'logs':
      body = <LogsView logs={mode.logs} name={mode.name} width={width} height={bodyHeight} />;
      footer = mode.logs.search.editing ? (
        <Footer banner={null} hints="" width={width}>
          <Text bold>search / </Text>
          <TextInput value={mode.logs.search.draft} onChange={(text) => dispatch({ type: 'logs/searchDraft', text })} focus />
        </Footer>
      ) : (
        <Footer banner={state.banner} hints={LOGS_HINTS} width={width} />
      );
      break;
    case 'details':
      body = <DetailsView name={mode.name} lines={details} error={mode.error} top={mode.top} width={width} height={bodyHeight} />;
      footer = <Footer banner={state.banner} hints={DETAILS_HINTS} width={width} />;
      break;
  }
  return (
    <ThemeContext.Provider value={theme}>
      <Box flexDirection="column" width={width} height={height}>
        <Header state={state} socketPath={socketPath} width={width} />
        <Box flexDirection="column" height={bodyHeight}>
          {body}
        </Box>
        {footer}
      </Box>
    </ThemeContext.Provider>
  );
}


