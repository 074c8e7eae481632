/**
 * stdout and stderr of a CLI command, written with fs.writeSync on fds 1 and 2: touching
 * process.stdout builds a stream for the fd (a net.Socket for a pipe), ~2 ms of CPU per command
 * here (docs/architecture.md "CLI start-up"), for the one line most commands print.
 */
import { writeSync } from 'node:fs';

type Fd = 1 | 2;

/** Fds that met a non-blocking pipe that was full: from then on their stream, which waits for the reader, keeps the order. */
const streamed = new Set<Fd>();

const streamOf = (fd: Fd): NodeJS.WriteStream => (fd === 1 ? process.stdout : process.stderr);

export function writeOut(fd: Fd, text: string): void {
  if (streamed.has(fd)) {
    streamOf(fd).write(text);
    return;
  }
  const data = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < data.length) written += writeSync(fd, data, written);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') return; // the reader is gone (`| head -1`): nothing more to say
    if (code !== 'EAGAIN') throw err;
    streamed.add(fd);
    streamOf(fd).write(data.subarray(written));
  }
}
