import { Text } from 'ink';
import type { Line } from '../input/lineEdit.js';

/** The part of a field's text shown in `width` columns, scrolled so the cursor stays in view. */
export function lineWindow(l: Line, width: number): { before: string; at: string; after: string } {
  const w = Math.max(1, width);
  const start = Math.max(0, Math.min(l.cursor - w + 1, l.value.length - w + 1));
  const shown = l.value.slice(start, start + w);
  const c = l.cursor - start;
  return { before: shown.slice(0, c), at: shown[c] ?? ' ', after: shown.slice(c + 1, w - c) };
}

/** An editable line: the text with the cursor as an inverse cell (no cursor when not focused). */
export function TextLine({ line, width, focus, placeholder }: { line: Line; width: number; focus: boolean; placeholder?: string }) {
  if (!focus) {
    const text = line.value || placeholder || '';
    return <Text dimColor={!line.value}>{(text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text).padEnd(width)}</Text>;
  }
  const { before, at, after } = lineWindow(line, width);
  const pad = Math.max(0, width - before.length - 1 - after.length);
  return (
    <Text>
      {before}
      <Text inverse>{at}</Text>
      {after + ' '.repeat(pad)}
    </Text>
  );
}
