import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { FIELD_HINTS, FIELD_LABELS, FIELDS, ttyOn, type FieldName, type FormState } from '../state/form.js';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';
import { TextLine } from './TextLine.js';

const LABEL_WIDTH = 13;
/** Lines above the first field (title and a blank line). */
export const FORM_TOP = 2;

/** Width of the value column: enough to type in, leaving room for the hint when there is some. */
function inputWidthFor(width: number): number {
  return Math.max(10, Math.min(40, width - LABEL_WIDTH - 24));
}

/** The note column's text for a field: its error, else its hint. */
function note(form: FormState, field: FieldName): { text: string; error: boolean } {
  const e = form.errors[field];
  return e ? { text: `✗ ${e}`, error: true } : { text: FIELD_HINTS[field], error: false };
}

/**
 * Each field on its line; an error (or hint) that does not fit beside its field goes on the
 * lines below it, wrapped, while the form has room to spare, so nothing is cut.
 */
export function CreateForm({ form, width, height }: { form: FormState; width: number; height: number }) {
  const theme = useTheme();
  const inputWidth = inputWidthFor(width);
  const noteWidth = Math.max(0, width - LABEL_WIDTH - inputWidth - 2);
  // Rows free for wrapped notes: the fields, title, spacing and status line take the rest.
  let spare = Math.max(0, height - FORM_TOP - FIELDS.length - 2);
  const rows: ReactElement[] = [];
  FIELDS.forEach((field, i) => {
    const focused = form.focus === i && !form.submitting;
    const n = note(form, field);
    let input;
    if (field === 'image') {
      const images = form.images;
      const text =
        images === null ? 'loading images…' : images.length === 0 ? '(no images)' : `◀ ${images[form.imageIndex]} ▶  ${form.imageIndex + 1}/${images.length}`;
      input = <Text inverse={focused}>{fit(text, inputWidth)}</Text>;
    } else if (field === 'tty') {
      const on = ttyOn(form);
      const auto = form.tty === null ? (on ? ' (no command given)' : ' (a command is given)') : '';
      input = <Text inverse={focused}>{fit(`${on ? '[x] on' : '[ ] off'}${auto}`, inputWidth)}</Text>;
    } else {
      input = <TextLine line={form.values[field]} width={inputWidth} focus={focused} placeholder="·" />;
    }
    // Errors matter more than hints: a long error takes the lines below; a long hint is cut.
    const overflow = n.error && n.text.length > noteWidth && spare > 0;
    const beside = overflow ? '' : n.text;
    rows.push(
      <Box key={field} flexDirection="row" height={1}>
        <Text bold={focused} color={focused ? theme.color('accent') : undefined}>
          {(focused ? '› ' : '  ') + fit(FIELD_LABELS[field], LABEL_WIDTH - 2)}
        </Text>
        {input}
        <Text wrap="truncate" color={theme.color(n.error ? 'error' : 'muted')} bold={n.error}>
          {'  ' + fit(beside, noteWidth)}
        </Text>
      </Box>,
    );
    if (overflow) {
      const wrapWidth = Math.max(10, width - LABEL_WIDTH - 2);
      const parts: string[] = [];
      for (let at = 0; at < n.text.length; at += wrapWidth) parts.push(n.text.slice(at, at + wrapWidth));
      for (const p of parts.slice(0, spare)) {
        rows.push(
          <Text key={`${field}-${rows.length}`} color={theme.color('error')} bold wrap="truncate">
            {' '.repeat(LABEL_WIDTH) + p}
          </Text>,
        );
      }
      spare -= Math.min(spare, parts.length);
    }
  });
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.color('accent')}>
        {fit('Create a container', width)}
      </Text>
      <Text> </Text>
      {rows}
      <Text> </Text>
      {form.submitting ? (
        <Text color={theme.color('pending')}>creating…</Text>
      ) : form.serverError ? (
        <Text bold color={theme.color('error')} wrap="wrap">
          {'boxifyd refused: ' + form.serverError}
        </Text>
      ) : null}
    </Box>
  );
}

/** The screen line of each field (for the mouse), in the form's own coordinates. */
export function formFieldRows(form: FormState, width: number, height: number): FieldName[] {
  const inputWidth = inputWidthFor(width);
  const noteWidth = Math.max(0, width - LABEL_WIDTH - inputWidth - 2);
  let spare = Math.max(0, height - FORM_TOP - FIELDS.length - 2);
  const out: FieldName[] = [];
  for (const field of FIELDS) {
    out.push(field);
    const n = note(form, field);
    if (n.error && n.text.length > noteWidth && spare > 0) {
      const wrapWidth = Math.max(10, width - LABEL_WIDTH - 2);
      const extra = Math.min(spare, Math.ceil(n.text.length / wrapWidth));
      for (let k = 0; k < extra; k++) out.push(field);
      spare -= extra;
    }
  }
  return out;
}
