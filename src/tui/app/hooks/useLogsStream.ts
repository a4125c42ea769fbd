// Streams a container's logs while its logs tab is up: the last page first (and how many
// records there are in all), then new ones as they come, handed to the reducer at most ten
// times a second. A lost connection (the daemon restarted) is opened again every second,
// from the last record's time, dropping what was already shown; when the container stops
// the view says so and follows again once it runs. Older records are fetched on request
// (scrolling above the first line).
import { StringDecoder } from 'node:string_decoder';
import { useCallback, useEffect, useMemo, useRef, type Dispatch } from 'react';
import { BoxifyError } from '../../../core/errors.js';
import type { TuiClient } from '../client.js';
import type { AppAction } from '../state/app.js';
import { LOG_PAGE, recordTimestamp, type LogsState } from '../state/logs.js';
import { errorText } from './usePoller.js';

const FLUSH_MS = 100;
const RETRY_MS = 1000;

type Chunk = { stream: 'stdout' | 'stderr'; text: string };

export interface LogsStream {
  loadOlder(): void;
}

export function useLogsStream(
  client: TuiClient,
  id: string | null,
  dispatch: Dispatch<AppAction>,
  current: () => { logs: LogsState; running: boolean | null } | null,
): LogsStream {
  const currentRef = useRef(current);
  currentRef.current = current;
  const olderRef = useRef<AbortController | null>(null);
  useEffect(() => {
    if (!id) return;
    const abort = new AbortController();
    let pending: Chunk[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0 || abort.signal.aborted) return;
      const chunks = pending;
      pending = [];
      dispatch({ type: 'logs/append', chunks });
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      let lastTs: string | null = null;
      let first = true;
      while (!abort.signal.aborted) {
        const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
        try {
          const stream = client.logs(id, {
            follow: true,
            timestamps: true,
            ...(first || lastTs === null ? { tail: LOG_PAGE } : { since: lastTs }),
            signal: abort.signal,
            onCount: first ? (total) => dispatch({ type: 'logs/count', total }) : undefined,
          });
          let opened = false;
          for await (const rec of stream) {
            if (abort.signal.aborted) return;
            if (!opened) {
              opened = true;
              dispatch({ type: 'logs/status', status: 'following' });
            }
            const text = decoders[rec.stream].write(rec.data);
            const ts = recordTimestamp(text);
            // After a reconnect `since` repeats the records of the last instant: skip what was shown.
            if (ts && lastTs && !first && ts <= lastTs) continue;
            if (ts) lastTs = ts;
            pending.push({ stream: rec.stream, text });
            timer ??= setTimeout(flush, FLUSH_MS);
          }
          flush();
          if (abort.signal.aborted) return;
          first = false;
          // The stream ends when the container stops: say so, and follow again when it runs.
          dispatch({ type: 'logs/status', status: 'ended' });
          while (!abort.signal.aborted && currentRef.current()?.running !== true) await sleep(RETRY_MS);
        } catch (err) {
          flush();
          if (abort.signal.aborted) return;
          if (err instanceof BoxifyError && err.code === 'not_found') {
            dispatch({ type: 'logs/status', status: 'ended', error: 'the container was removed' });
            return;
          }
          if (!first || lastTs !== null) first = false;
          dispatch({ type: 'logs/status', status: 'reconnecting', error: errorText(err) });
          await sleep(RETRY_MS);
        }
      }
    })();
    return () => {
      abort.abort();
      clearTimeout(timer);
      olderRef.current?.abort();
    };
  }, [client, id, dispatch]);

  const loadOlder = useCallback(() => {
    const cur = currentRef.current();
    if (!id || !cur) return;
    const firstTs = cur.logs.lines[0]?.ts;
    if (!firstTs || cur.logs.loadingOlder) return;
    const abort = new AbortController();
    olderRef.current?.abort();
    olderRef.current = abort;
    dispatch({ type: 'logs/olderLoading' });
    (async () => {
      const chunks: Chunk[] = [];
      let total: number | null = null;
      const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
      try {
        for await (const rec of client.logs(id, { timestamps: true, tail: LOG_PAGE, until: firstTs, signal: abort.signal, onCount: (n) => (total = n) })) {
          const text = decoders[rec.stream].write(rec.data);
          const ts = recordTimestamp(text);
          // `until` is inclusive to the millisecond: what is not older than the first line is shown already.
          if (ts && ts >= firstTs) continue;
          chunks.push({ stream: rec.stream, text });
        }
      } catch {
        // Nothing older this time; scrolling up again retries.
      }
      if (abort.signal.aborted) return;
      const more = total !== null ? total > LOG_PAGE : chunks.length >= LOG_PAGE;
      dispatch({ type: 'logs/prepend', chunks, more });
    })();
  }, [client, id, dispatch]);
  return useMemo(() => ({ loadOlder }), [loadOlder]);
}
