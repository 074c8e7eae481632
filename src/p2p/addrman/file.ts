/** Bounded reads and atomic writes of the address manager's small JSON files (the wallet's pattern). */
import { promises as fs } from 'node:fs';
import { writeFileAtomic as writeAtomic } from '../../util/atomic-file.js';
import { errorMessage } from '../../util/errors.js';
import { ADDRMAN_FILE_MODE } from './constants.js';
import { AddrmanError } from './errors.js';

/** The file's text, or undefined when it does not exist. The size is checked before anything is read. */
export async function readBoundedFile(file: string, maxBytes: number): Promise<string | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw new AddrmanError('file-unreadable', `${file} is not a regular file`);
    if (stat.size > maxBytes) throw new AddrmanError('file-too-large', `${file} is ${stat.size} bytes, more than the ${maxBytes} such a file can hold; it was not read`);
    // Read at most maxBytes + 1 even if the file grew after the stat: the bound holds either way.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) throw new AddrmanError('file-too-large', `${file} grew beyond ${maxBytes} bytes while being read; it was not used`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch (err) {
    if (err instanceof AddrmanError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AddrmanError('file-unreadable', `${file} cannot be read (${errorMessage(err)})`, { cause: err });
  } finally {
    await handle?.close();
  }
}

/** Atomic replace (src/util/atomic-file.ts), with the error named for the address manager. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  try {
    await writeAtomic(file, text, ADDRMAN_FILE_MODE);
  } catch (err) {
    throw new AddrmanError('file-unwritable', `${file} cannot be written (${errorMessage(err)}); check the data dir's permissions and free space`, { cause: err });
  }
}
