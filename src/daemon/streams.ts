// Docker's stream framing: without a TTY, output is multiplexed with an 8-byte header
// [stream, 0, 0, 0, size uint32 BE] (1 stdout, 2 stderr, 3 system error); with a TTY the
// bytes go raw.
export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';

export const STREAM_ID = { stdin: 0, stdout: 1, stderr: 2, system: 3 } as const;

export function frame(stream: 1 | 2 | 3, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
