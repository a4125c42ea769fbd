import { Box, Text } from 'ink';
import type { Notice } from '../state/app.js';
import { fit } from '../state/format.js';
import type { Prompt } from '../state/prompt.js';
import type { Task } from '../state/tasks.js';
import { useTheme } from '../theme.js';
import { TextLine } from './TextLine.js';

/** The bottom line: the prompt when one is open, else an unread error, a notice, or the keys. */
export function Footer({ prompt, error, notice, progress, hints, width }: { prompt: Prompt | null; error: Task | null; notice: Notice | null; progress: string | null; hints: string; width: number }) {
  const theme = useTheme();
  if (prompt) return <PromptLine prompt={prompt} width={width} />;
  if (error) {
    const text = `✗ ${error.label}: ${error.message ?? 'failed'}`.replace(/\s+/g, ' ');
    const tail = '  (Esc)';
    return (
      <Box height={1}>
        <Text bold color={theme.color('error')} wrap="truncate">
          {fit(text, width - tail.length) + tail}
        </Text>
      </Box>
    );
  }
  if (notice || progress) {
    return (
      <Box height={1}>
        <Text color={theme.color(progress ? 'pending' : 'accent')} wrap="truncate">
          {fit(((notice?.text ?? '') + (progress ? `${notice ? '  ' : ''}${progress}` : '')).replace(/\s+/g, ' '), width)}
        </Text>
      </Box>
    );
  }
  return (
    <Box height={1}>
      <Text color={theme.color('muted')} wrap="truncate">
        {fit(hints, width)}
      </Text>
    </Box>
  );
}

function PromptLine({ prompt, width }: { prompt: Prompt; width: number }) {
  const theme = useTheme();
  const field = prompt.fields[prompt.focus]!;
  const label = prompt.kind === 'command' ? ':' : prompt.kind === 'filter' || prompt.kind === 'search' ? '/' : `${field.label}: `;
  const others = prompt.fields.length > 1 ? `  (${prompt.focus + 1}/${prompt.fields.length}, Tab next)` : '';
  const note = prompt.error ? `  ✗ ${prompt.error}` : prompt.candidates?.length ? `  ${prompt.candidates.join(' ')}` : field.hint ? `  ${field.hint}${others}` : others;
  const noteWidth = Math.min(note.length, Math.max(0, Math.floor((width - label.length) / 2)));
  const inputWidth = Math.max(4, width - label.length - noteWidth);
  return (
    <Box height={1}>
      <Text bold>{label}</Text>
      <TextLine line={field.line} width={inputWidth} focus />
      <Text color={theme.color(prompt.error ? 'error' : 'muted')} wrap="truncate">
        {fit(note, noteWidth)}
      </Text>
    </Box>
  );
}
