// The side effects the keys ask for: daemon calls, run as background tasks (with progress,
// and an error that stays until read), and the questions asked before destructive ones.
// Everything reads the newest state from `stateRef`; nothing here renders.
import { useMemo, useRef, type Dispatch, type RefObject } from 'react';
import type { TuiClient } from '../client.js';
import type { Ops } from '../input/handlers.js';
import { openContainer, openCreate, type AppAction, type AppState, type Confirm, type ContainerVerb, type PendingOp } from '../state/app.js';
import { completeCommand, parseCommand } from '../state/command.js';
import { selectedRow, targets, type Row } from '../state/containers.js';
import { formatBytes } from '../state/format.js';
import { splitCommand, validateForm, type FormState } from '../state/form.js';
import { makePrompt, promptValue, type PromptKind } from '../state/prompt.js';
import { resourceTargets, selectedResource } from '../state/resources.js';
import type { ProgressMessage } from '../state/tasks.js';
import { errorText, type Poller } from './usePoller.js';
import type { LogsStream } from './useLogsStream.js';
import type { Resources } from './useResources.js';

/** A process in a container that takes the terminal: a shell (exec) or the container's own. */
export type SessionRequest =
  | { kind: 'exec'; id: string; name: string; cmd: string[]; user?: string }
  | { kind: 'attach'; id: string; name: string };

/** Runs bash when the image has it, else sh (one exec, no probing round trip). */
export const AUTO_SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

const VERB: Record<ContainerVerb, { ing: string; title: string }> = {
  stop: { ing: 'stopping', title: 'Stop' },
  kill: { ing: 'killing', title: 'Kill' },
  remove: { ing: 'removing', title: 'Remove' },
  start: { ing: 'starting', title: 'Start' },
  restart: { ing: 'restarting', title: 'Restart' },
};

const isUp = (r: Row) => r.state === 'running' || r.state === 'paused' || r.state === 'restarting';

export interface OpsDeps {
  client: TuiClient;
  dispatch: Dispatch<AppAction>;
  stateRef: RefObject<AppState>;
  poller: Poller;
  resources: Resources;
  logs: LogsStream;
  quit: () => void;
  session: (s: SessionRequest) => void;
  /** Lines of the logs body, for a search to put its match in view. */
  logsHeight: () => number;
}

export function useOps(deps: OpsDeps): Ops {
  const depsRef = useRef(deps);
  depsRef.current = deps;
  const nextTask = useRef(1);
  return useMemo<Ops>(() => {
    const d = () => depsRef.current;
    const get = () => d().stateRef.current!;
    const dispatch = (a: AppAction) => d().dispatch(a);
    const now = () => Date.now();
    const notice = (text: string) => dispatch({ type: 'notice', text, at: now() });

    /** Runs `work` as a task; its failure stays until read, its success answers older failures on the same subjects. */
    const task = async <T>(label: string, subjects: string[], work: (progress: (m: ProgressMessage[]) => void, step: (done: number) => void) => Promise<T>, opts: { total?: number } = {}): Promise<T | undefined> => {
      const id = nextTask.current++;
      dispatch({ type: 'tasks/start', id, label, subjects, total: opts.total, at: now() });
      try {
        const result = await work(
          (messages) => dispatch({ type: 'tasks/progress', id, messages }),
          (done) => dispatch({ type: 'tasks/step', id, done }),
        );
        dispatch({ type: 'tasks/done', id, message: typeof result === 'string' ? result : null, at: now() });
        return result;
      } catch (err) {
        dispatch({ type: 'tasks/failed', id, error: errorText(err), at: now() });
        return undefined;
      }
    };

    /** A container's name for an ID (or a prefix of one) the daemon put in a message. */
    const nameOf = (id: string) => {
      const r = get().list.rows.find((x) => x.id.startsWith(id) || id.startsWith(x.id));
      return r ? r.name : id.slice(0, 12);
    };
    /**
     * A refusal because something is in use, said shortly with the container's name (the
     * daemon names it by ID: "container 0123456789ab is using its referenced image").
     */
    const inUse = (message: string) => {
      const m = /container ([0-9a-f]{12,64}) is using/.exec(message) ?? /in use[^[]*\[([0-9a-f, ]+)\]/.exec(message);
      if (!m) return message;
      const users = m[1]!.split(/[, ]+/).filter(Boolean).map(nameOf);
      return `used by container${users.length === 1 ? '' : 's'} ${users.join(', ')}: remove ${users.length === 1 ? 'it' : 'them'} first`;
    };

    const runContainers = (action: ContainerVerb, rows: Row[], force: boolean, project: string | null) => {
      if (rows.length === 0) return;
      const ids = rows.map((r) => r.id);
      const what = project ? `project ${project} (${rows.length})` : rows.length === 1 ? rows[0]!.name : `${rows.length} containers`;
      dispatch({ type: 'busy', ids, label: VERB[action].ing });
      const client = d().client;
      void task(
        `${action} ${what}`,
        ids.map((i) => `container:${i}`),
        async (_progress, step) => {
          let done = 0;
          const results = await Promise.allSettled(
            rows.map(async (r) => {
              try {
                switch (action) {
                  case 'stop':
                    return await client.stopContainer(r.id);
                  case 'kill':
                    return await client.killContainer(r.id);
                  case 'remove':
                    return await client.removeContainer(r.id, { force });
                  case 'start':
                    return await client.startContainer(r.id);
                  case 'restart':
                    return await client.restartContainer(r.id);
                }
              } finally {
                dispatch({ type: 'busy', ids: [r.id], label: null });
                step(++done);
                d().poller.kick();
              }
            }),
          );
          const failed = results.map((res, i) => (res.status === 'rejected' ? `${rows[i]!.name}: ${errorText(res.reason)}` : null)).filter((x): x is string => x !== null);
          if (failed.length > 0) throw new Error(failed.join('; '));
          return rows.length > 1 ? `${rows.length} done` : null;
        },
        { total: rows.length },
      );
    };

    const ask = (op: PendingOp, confirm: Omit<Confirm, 'op'>) => dispatch({ type: 'mode', mode: { kind: 'confirm', confirm: { ...confirm, op } } });

    const openPrompt = (kind: PromptKind) => {
      const s = get();
      switch (kind) {
        case 'filter': {
          const current = s.pane === 'containers' ? s.list.filter : s.pane === 'events' ? s.events.filter : s.pane === 'tasks' ? '' : s[s.pane].filter;
          return dispatch({ type: 'prompt/open', prompt: makePrompt('filter', [{ label: 'filter', value: current, hint: 'Enter keeps it, Esc drops it' }], { previous: current, target: s.pane }) });
        }
        case 'search':
          // A new search starts empty (n and N go on with the last one).
          return dispatch({ type: 'prompt/open', prompt: makePrompt('search', [{ label: 'search', hint: 'Enter finds, Esc cancels' }]) });
        case 'command':
          return dispatch({ type: 'prompt/open', prompt: makePrompt('command', [{ label: 'command', hint: 'images, vol, events, pull REF, run IMAGE, q · Tab completes' }]) });
        case 'pull':
          return dispatch({ type: 'prompt/open', prompt: makePrompt('pull', [{ label: 'pull', hint: 'NAME[:TAG] or NAME@DIGEST, e.g. busybox:latest' }]) });
        case 'volume':
          return dispatch({ type: 'prompt/open', prompt: makePrompt('volume', [{ label: 'new volume', hint: 'a name (empty: a generated one)' }]) });
        case 'network':
          return dispatch({ type: 'prompt/open', prompt: makePrompt('network', [{ label: 'new network', hint: 'a name' }]) });
        case 'exec':
          return;
      }
    };

    const pull = (ref: string) => {
      const client = d().client;
      void task(`pull ${ref}`, [`image:${ref}`], async (progress) => {
        // Progress comes fast: hand it over ten times a second.
        let batch: ProgressMessage[] = [];
        let timer: NodeJS.Timeout | undefined;
        const flush = () => {
          timer = undefined;
          if (batch.length) progress(batch);
          batch = [];
        };
        try {
          await client.pullImage(ref, {
            onProgress: (m) => {
              batch.push({ id: m.id, status: m.status, progressDetail: m.progressDetail });
              timer ??= setTimeout(flush, 100);
            },
          });
        } finally {
          clearTimeout(timer);
          flush();
        }
        d().resources.reload('images');
        notice(`pulled ${ref}`);
        return `pulled ${ref}`;
      });
    };

    const createVolume = (name: string) => {
      const client = d().client;
      void task(`create volume ${name || '(generated name)'}`, [`volume:${name}`], async () => {
        const v = await client.createVolume(name || undefined);
        dispatch({ type: 'res/select', kind: 'volumes', key: v.Name });
        d().resources.reload('volumes');
        notice(`created volume ${v.Name}`);
        return `created ${v.Name}`;
      });
    };

    const createNetwork = (name: string) => {
      const client = d().client;
      void task(`create network ${name}`, [`network:${name}`], async () => {
        await client.createNetwork(name);
        d().resources.reload('networks');
        return `created ${name}`;
      });
    };

    const ops: Ops = {
      quit: () => d().quit(),
      shell: (opts = {}) => {
        const s = get();
        const target = s.mode.kind === 'detail' ? s.list.rows.find((r) => r.id === (s.mode as { detail: { id: string } }).detail.id) : selectedRow(s.list);
        if (!target) return;
        if (target.state !== 'running') return notice(`${target.name} is not running: press u to start it`);
        d().session({ kind: 'exec', id: target.id, name: target.name, cmd: opts.cmd ?? AUTO_SHELL, user: opts.user });
      },
      attach: () => {
        const s = get();
        const target = s.mode.kind === 'detail' ? s.list.rows.find((r) => r.id === (s.mode as { detail: { id: string } }).detail.id) : selectedRow(s.list);
        if (!target) return;
        if (target.state !== 'running') return notice(`${target.name} is not running: press u to start it`);
        d().session({ kind: 'attach', id: target.id, name: target.name });
      },
      openExecPrompt: () => {
        const row = selectedRow(get().list);
        if (!row) return;
        dispatch({
          type: 'prompt/open',
          prompt: makePrompt(
            'exec',
            [
              { label: `run in ${row.name}`, hint: 'a command, e.g. bash, sh, top (empty: bash if there, else sh)' },
              { label: 'as user', hint: "name or uid[:gid] (empty: the container's user)" },
            ],
            { target: row.id },
          ),
        });
      },
      openCreate: (image) => {
        dispatch({ type: 'mode', mode: openCreate(image) });
        d()
          .client.listImages()
          .then((images) => {
            const refs = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t && t !== '<none>:<none>'));
            dispatch({ type: 'form/images', images: refs });
          })
          .catch((err) => {
            dispatch({ type: 'form/images', images: [] });
            dispatch({ type: 'form/failed', message: `cannot list images: ${errorText(err)}` });
          });
      },
      openContainer: (tab) => {
        const row = selectedRow(get().list);
        if (row) dispatch({ type: 'mode', mode: openContainer(row.id, row.name, tab) });
      },
      containers: (action) => {
        const t = targets(get().list);
        let rows = t.rows;
        if (rows.length === 0) return;
        if (action === 'start') {
          rows = rows.filter((r) => !isUp(r));
          if (rows.length === 0) return notice(t.rows.length === 1 ? `${t.rows[0]!.name} is already running` : 'all of them are running already');
          return runContainers('start', rows, false, t.project);
        }
        if (action === 'restart') return runContainers('restart', rows, false, t.project);
        if (action !== 'remove') {
          const running = rows.filter(isUp);
          if (running.length === 0) return notice(`${rows.length === 1 ? rows[0]!.name + ' is' : 'none of them is'} not running`);
          rows = running;
        }
        const force = action === 'remove' && rows.some(isUp);
        ask(
          { kind: 'containers', action, ids: rows.map((r) => r.id), force, project: t.project },
          {
            verb: VERB[action].title + (t.project ? ` project ${t.project}:` : ''),
            names: rows.map((r) => r.name),
            noun: 'container',
            extra: force ? 'running: killed first' : '',
            hidden: t.hidden,
          },
        );
      },
      confirmed: () => {
        const s = get();
        if (s.mode.kind !== 'confirm') return;
        const op = s.mode.confirm.op;
        dispatch({ type: 'back' });
        const client = d().client;
        switch (op.kind) {
          case 'containers': {
            const rows = s.list.rows.filter((r) => op.ids.includes(r.id));
            dispatch({ type: 'clearMarks' });
            return runContainers(op.action, rows, op.force, op.project);
          }
          case 'images/remove':
            dispatch({ type: 'res/clearMarks', kind: 'images' });
            for (const ref of op.refs) {
              void task(`remove image ${ref}`, [`image:${ref}`], async () => {
                try {
                  const out = await client.removeImage(ref);
                  return `${out.filter((o) => o.Deleted).length ? 'deleted' : 'untagged'} ${ref}`;
                } catch (err) {
                  throw new Error(inUse(errorText(err)));
                } finally {
                  d().resources.reload('images');
                }
              });
            }
            return;
          case 'images/prune':
            void task('prune images', ['images:prune'], async () => {
              const r = await client.pruneImages({ all: op.all });
              d().resources.reload('images');
              const n = (r.ImagesDeleted ?? []).filter((x) => x.Deleted).length;
              const text = `pruned ${n} image${n === 1 ? '' : 's'}, ${formatBytes(r.SpaceReclaimed)} reclaimed`;
              notice(text);
              return text;
            });
            return;
          case 'volumes/remove':
            dispatch({ type: 'res/clearMarks', kind: 'volumes' });
            for (const name of op.names) {
              void task(`remove volume ${name}`, [`volume:${name}`], async () => {
                try {
                  await client.removeVolume(name);
                  return `removed ${name}`;
                } catch (err) {
                  throw new Error(inUse(errorText(err)));
                } finally {
                  d().resources.reload('volumes');
                }
              });
            }
            return;
          case 'volumes/prune':
            void task('prune volumes', ['volumes:prune'], async () => {
              const r = await client.pruneVolumes({ all: true });
              d().resources.reload('volumes');
              const n = (r.VolumesDeleted ?? []).length;
              const text = `pruned ${n} volume${n === 1 ? '' : 's'}, ${formatBytes(r.SpaceReclaimed)} reclaimed`;
              notice(text);
              return text;
            });
            return;
          case 'networks/remove':
            dispatch({ type: 'res/clearMarks', kind: 'networks' });
            for (const name of op.names) {
              void task(`remove network ${name}`, [`network:${name}`], async () => {
                try {
                  await client.removeNetwork(name);
                  return `removed ${name}`;
                } finally {
                  d().resources.reload('networks');
                }
              });
            }
            return;
        }
      },
      submitForm: (form: FormState) => {
        const v = validateForm(form);
        if (!v.ok) return dispatch({ type: 'form/errors', errors: v.errors });
        dispatch({ type: 'form/submitting' });
        const client = d().client;
        (async () => {
          let id: string;
          try {
            id = (await client.createContainer(v.body, v.name)).Id;
          } catch (err) {
            return dispatch({ type: 'form/failed', message: errorText(err) });
          }
          dispatch({ type: 'pane', pane: 'containers' });
          dispatch({ type: 'mode', mode: { kind: 'browse' } });
          dispatch({ type: 'created', id });
          const label = v.name ?? id.slice(0, 12);
          await task(`start ${label}`, [`container:${id}`], async () => {
            await client.startContainer(id);
            notice(`created and started ${label}`);
            return null;
          });
          d().poller.kick();
        })();
      },
      submitPrompt: () => {
        const s = get();
        const p = s.prompt;
        if (!p) return;
        const value = promptValue(p).trim();
        switch (p.kind) {
          case 'filter':
            return dispatch({ type: 'prompt/close' });
          case 'search':
            dispatch({ type: 'prompt/close' });
            return dispatch({ type: 'logs/searchCommit', term: promptValue(p), height: d().logsHeight() });
          case 'pull':
            if (!value) return dispatch({ type: 'prompt/error', message: 'name an image, e.g. busybox:latest' });
            dispatch({ type: 'prompt/close' });
            return pull(value);
          case 'volume':
            dispatch({ type: 'prompt/close' });
            return createVolume(value);
          case 'network':
            if (!value) return dispatch({ type: 'prompt/error', message: 'a network needs a name' });
            dispatch({ type: 'prompt/close' });
            return createNetwork(value);
          case 'exec': {
            let cmd: string[];
            try {
              cmd = value ? splitCommand(value) : AUTO_SHELL;
            } catch (err) {
              return dispatch({ type: 'prompt/error', message: errorText(err) });
            }
            const user = promptValue(p, 1).trim() || undefined;
            const row = s.list.rows.find((r) => r.id === p.target);
            dispatch({ type: 'prompt/close' });
            if (!row) return notice('the container is gone');
            if (row.state !== 'running') return notice(`${row.name} is not running: press u to start it`);
            return d().session({ kind: 'exec', id: row.id, name: row.name, cmd, user });
          }
          case 'command': {
            const c = parseCommand(value);
            switch (c.kind) {
              case 'error':
                return dispatch({ type: 'prompt/error', message: c.message });
              case 'pane':
                return dispatch({ type: 'pane', pane: c.pane });
              case 'quit':
                dispatch({ type: 'prompt/close' });
                return d().quit();
              case 'help':
                return dispatch({ type: 'mode', mode: { kind: 'help', scroll: 0 } });
              case 'pull':
                dispatch({ type: 'prompt/close' });
                dispatch({ type: 'pane', pane: 'images' });
                return pull(c.ref);
              case 'run':
                dispatch({ type: 'prompt/close' });
                return ops.openCreate(c.image ?? undefined);
              case 'volume':
                dispatch({ type: 'prompt/close' });
                dispatch({ type: 'pane', pane: 'volumes' });
                return createVolume(c.name ?? '');
              case 'filter':
                dispatch({ type: 'prompt/close' });
                openPrompt('filter');
                return dispatch({ type: 'prompt/setText', text: c.text });
            }
            return;
          }
        }
      },
      completeCommand: () => {
        const p = get().prompt;
        if (!p || p.kind !== 'command') return;
        const r = completeCommand(promptValue(p));
        dispatch({ type: 'prompt/setText', text: r.text, candidates: r.candidates.length > 1 ? r.candidates : undefined });
      },
      images: (action) => {
        const s = get().images;
        if (action === 'prune') {
          return ask({ kind: 'images/prune', all: false }, { verb: 'Prune', names: [], noun: 'untagged unused image', extra: '', hidden: 0 });
        }
        const t = resourceTargets(s);
        if (t.items.length === 0) return;
        ask({ kind: 'images/remove', refs: t.items.map((i) => i.ref) }, { verb: 'Remove', names: t.items.map((i) => i.ref), noun: 'image', extra: '', hidden: t.hidden });
      },
      volumes: (action) => {
        const s = get().volumes;
        if (action === 'prune') return ask({ kind: 'volumes/prune' }, { verb: 'Prune', names: [], noun: 'unused volume', extra: '', hidden: 0 });
        const t = resourceTargets(s);
        if (t.items.length === 0) return;
        ask({ kind: 'volumes/remove', names: t.items.map((i) => i.name) }, { verb: 'Remove', names: t.items.map((i) => i.name), noun: 'volume', extra: '', hidden: t.hidden });
      },
      networks: () => {
        const s = get().networks;
        const t = resourceTargets(s);
        const items = t.items.filter((n) => !n.builtin);
        if (items.length === 0) return notice(selectedResource(s)?.builtin ? `${selectedResource(s)!.name} is built in and cannot be removed` : 'nothing to remove');
        ask({ kind: 'networks/remove', names: items.map((i) => i.name) }, { verb: 'Remove', names: items.map((i) => i.name), noun: 'network', extra: '', hidden: t.hidden });
      },
      openPrompt,
      loadOlderLogs: () => d().logs.loadOlder(),
    };
    return ops;
  }, []);
}
