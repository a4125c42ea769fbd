import { Box, Text } from 'ink';
import { useTheme } from '../theme.js';

/** The whole screen when the daemon cannot be reached: what is wrong and how to fix it. */
export function Unavailable({ message, socketPath, attempts, width, height }: { message: string; socketPath: string; attempts: number; width: number; height: number }) {
  const theme = useTheme();
  const permission = /permission denied/i.test(message);
  // The client's message ends with its own hint; the screen gives the hint once, below.
  const reason = message.replace(/:\s*(is the daemon running\?.*|run as root.*)$/i, '');
  return (
    <Box flexDirection="column" width={width} height={height} alignItems="center" justifyContent="center">
      <Text bold color={theme.color('error')}>
        boxifyd is not reachable
      </Text>
      <Text> </Text>
      <Text wrap="wrap">{reason}</Text>
      <Text> </Text>
      {permission ? (
        <Text>
          Run the TUI as root: <Text bold>sudo boxify</Text>
        </Text>
      ) : (
        <Text>
          Start the daemon with: <Text bold>sudo boxifyd</Text>
        </Text>
      )}
      <Text color={theme.color('muted')}>
        socket {socketPath} · retrying every second (attempt {attempts}) · q quits
      </Text>
    </Box>
  );
}
