// Streams the selected container's logs while the logs screen is up. Chunks are gathered and
// handed to the reducer at most ten times a second, so a chatty container cannot make the
// screen redraw for every write. Leaving the screen aborts the request.
import { StringDecoder } from 'node:string_decoder';
import { useEffect, type Dispatch } from 'react';
import type { TuiClient } from '../client.js';
import type { AppAction } from '../state/app.js';
import { errorText } from './usePoller.js';

/** Lines fetched when the screen opens; older ones are a scroll away in `boxify logs`. */
export const LOG_TAIL = 2000;
const FLUSH_MS = 100;

export function useLogsStream(client: TuiClient, id: string | null, dispatch: Dispatch<AppAction>): void {
  useEffect(() => {
    if (!id) return;
    const abort = new AbortController();
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    let pending: { stream: 'stdout' | 'stderr'; text: string }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      if (pending.length === 0 || abort.signal.aborted) return;
      const chunks = pending;
      pending = [];
      dispatch({ type: 'logs/append', chunks });
    };
    (async () => {
      try {
        for await (const rec of client.logs(id, { follow: true, tail: LOG_TAIL, timestamps: true, signal: abort.signal })) {
          if (abort.signal.aborted) return;
          pending.push({ stream: rec.stream, text: decoders[rec.stream].write(rec.data) });
          timer ??= setTimeout(flush, FLUSH_MS);
        }
        clearTimeout(timer);
        flush();
        if (!abort.signal.aborted) dispatch({ type: 'logs/ended' });
      } catch (err) {
        clearTimeout(timer);
        flush();
        if (!abort.signal.aborted) dispatch({ type: 'logs/ended', error: errorText(err) });
      }
    })();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [client, id, dispatch]);
}
