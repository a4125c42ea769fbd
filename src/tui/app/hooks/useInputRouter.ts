// The one input subscription. Ink cuts stdin into pieces (an escape sequence each, text runs
// between them); they are decoded here into keys, pastes and mouse reports, and each event is
// routed on its own against the newest state. Reading Ink's pieces directly (rather than
// useInput, which hands over a whole text run as one "key") is what lets a burst of typing or
// a paste go where it belongs, tells Backspace from Delete, and sees the mouse.
import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { decode, initialDecoder, type DecoderState } from '../input/keys.js';
import { route, type InputContext } from '../input/handlers.js';

export function useInputRouter(ctx: InputContext, opts: { enabled: boolean }): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const ctxRef = useRef(ctx);
  ctxRef.current = ctx;
  const decoder = useRef<DecoderState>(initialDecoder);
  useEffect(() => {
    if (!opts.enabled) return;
    if (isRawModeSupported) setRawMode(true);
    const onInput = (piece: string) => {
      const { state, events } = decode(decoder.current, piece);
      decoder.current = state;
      for (const ev of events) route(ev, ctxRef.current);
    };
    emitter?.on('input', onInput);
    return () => {
      emitter?.removeListener('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [emitter, setRawMode, isRawModeSupported, opts.enabled]);
}
