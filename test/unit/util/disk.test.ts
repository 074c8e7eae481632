import test from 'ava';
import { tmpdir } from 'node:os';
import { DISK_FULL_MARGIN_BYTES, freeBytes, writeFailureReason } from '../../../src/util/disk.js';

const errno = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

test('write failures are named by their errno: full, read-only, permission', (t) => {
  t.regex(writeFailureReason(tmpdir(), errno('ENOSPC', 'ENOSPC: no space left on device')), /^the disk is full \(\d+ bytes free\)$/);
  t.is(writeFailureReason(tmpdir(), errno('EROFS', 'EROFS: read-only file system')), 'the file system is read-only');
  t.is(writeFailureReason(tmpdir(), errno('EACCES', 'EACCES: permission denied')), 'permission denied');
  // lmdb-js's form: a plain Error with the numeric errno.
  t.regex(writeFailureReason(tmpdir(), Object.assign(new Error('No space left on device'), { code: 28 })), /^the disk is full \(\d+ bytes free\)$/);
  // libuv's form: the errno negated.
  t.is(writeFailureReason(tmpdir(), Object.assign(new Error('read-only file system'), { code: -30 })), 'the file system is read-only');
  t.is(writeFailureReason(tmpdir(), Object.assign(new Error('Read-only file system'), { code: 30 })), 'the file system is read-only');
});

test(`a bare I/O error counts as a full disk only below ${DISK_FULL_MARGIN_BYTES} bytes free`, (t) => {
  const free = freeBytes(tmpdir());
  t.true(free !== undefined && free > DISK_FULL_MARGIN_BYTES, 'the temp dir has room (precondition)');
  t.is(writeFailureReason(tmpdir(), errno('EIO', 'Input/output error')), 'Input/output error');
  t.is(freeBytes('/no/such/dir/here'), undefined);
  t.is(writeFailureReason('/no/such/dir/here', errno('EIO', 'Input/output error')), 'Input/output error');
});
