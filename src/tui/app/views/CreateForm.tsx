import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { FIELD_HINTS, FIELD_LABELS, FIELDS, type FormState, type TextField } from '../state/form.js';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';

const LABEL_WIDTH = 12;

export function CreateForm({ form, width, height, onChange }: { form: FormState; width: number; height: number; onChange: (field: TextField, value: string) => void }) {
  const theme = useTheme();
  const inputWidth = Math.max(10, Math.min(40, width - LABEL_WIDTH - 30));
  const noteWidth = Math.max(0, width - LABEL_WIDTH - inputWidth - 4);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.color('accent')}>
        {fit('Create a container', width)}
      </Text>
      <Text> </Text>
      {FIELDS.map((field, i) => {
        const focused = form.focus === i && !form.submitting;
        const error = form.errors[field];
        let input;
        if (field === 'image') {
          const images = form.images;
          const text =
            images === null ? 'loading images…' : images.length === 0 ? '(no images)' : `◀ ${images[form.imageIndex]} ▶  ${form.imageIndex + 1}/${images.length}`;
          input = <Text inverse={focused}>{fit(text, inputWidth)}</Text>;
        } else if (focused) {
          input = (
            <Box width={inputWidth}>
              <TextInput value={form.values[field]} onChange={(v) => onChange(field, v)} focus />
            </Box>
          );
        } else {
          input = <Text>{fit(form.values[field] || '·', inputWidth)}</Text>;
        }
        return (
          <Box key={field} flexDirection="row" height={1}>
            <Text bold={focused} color={focused ? theme.color('accent') : undefined}>
              {(focused ? '› ' : '  ') + fit(FIELD_LABELS[field], LABEL_WIDTH - 2)}
            </Text>
            {input}
            <Text wrap="truncate" color={theme.color(error ? 'error' : 'muted')} bold={!!error}>
              {'  ' + fit(error ? `✗ ${error}` : FIELD_HINTS[field], noteWidth)}
            </Text>
          </Box>
        );
      })}
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

export const FORM_HINTS = 'Tab/↓ next  Shift-Tab/↑ previous  ←/→ image  Enter create and start  Esc cancel';
