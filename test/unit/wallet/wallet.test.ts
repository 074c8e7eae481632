import test, { type ExecutionContext } from 'ava';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { addressToPubKeyHash } from '../../../src/primitives/address.js';
import { hash160 } from '../../../src/primitives/hash.js';
import { verify } from '../../../src/primitives/secp256k1.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { type Logger, silentLogger } from '../../../src/util/logger.js';
import { Wallet, WalletError } from '../../../src/wallet/index.js';
import { makeKey } from '../../helpers/fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function tempFile(t: ExecutionContext): Promise<string> {
  const dir = await tempDir(t, 'kadchain-wallet-');
  return path.join(dir, 'wallet.json');
}

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger: Logger = pino({ level: 'warn' }, stream);
  return { logger, lines };
}

test('a missing file opens as an empty wallet and is created 0600 on the first key', async (t) => {
  const file = await tempFile(t);
  const wallet = await Wallet.open({ path: file, logger: silentLogger() });
  t.deepEqual(wallet.addresses(), []);
  t.is(wallet.firstPubKeyHash, undefined);
  await t.throwsAsync(fs.stat(file));

  const address = await wallet.createKey();
  t.regex(address, /^1[1-9A-HJ-NP-Za-km-z]+$/);
  const stat = await fs.stat(file);
  t.is(stat.mode & 0o777, 0o600);
  t.deepEqual(wallet.addresses(), [address]);
  t.true(wallet.firstPubKeyHash!.equals(addressToPubKeyHash(address)));
  t.true(wallet.hasPubKeyHash(addressToPubKeyHash(address)));
  t.false(wallet.hasPubKeyHash(makeKey().pubKeyHash));
});

test('keys persist atomically and reload in creation order', async (t) => {
  const file = await tempFile(t);
  const wallet = await Wallet.open({ path: file, logger: silentLogger() });
  const created = await Promise.all([wallet.createKey(), wallet.createKey(), wallet.createKey()]);
  const more = await wallet.createKey();
  t.deepEqual(wallet.addresses(), [...created, more]);
  // No temp files left behind next to the wallet.
  t.deepEqual(await fs.readdir(path.dirname(file)), ['wallet.json']);

  const json = JSON.parse(await fs.readFile(file, 'utf8')) as { version: number; keys: { privateKey: string; address: string; createdAt: string }[] };
  t.is(json.version, 1);
  t.is(json.keys.length, 4);
  t.regex(json.keys[0]!.privateKey, /^[0-9a-f]{64}$/);
  t.false(Number.isNaN(Date.parse(json.keys[0]!.createdAt)));

  const reopened = await Wallet.open({ path: file, logger: silentLogger() });
  t.deepEqual(reopened.addresses(), wallet.addresses());
});

test('a stale temp file from an interrupted write does not affect the wallet', async (t) => {
  const file = await tempFile(t);
  const wallet = await Wallet.open({ path: file, logger: silentLogger() });
  const address = await wallet.createKey();
  await fs.writeFile(path.join(path.dirname(file), '.wallet.json.1234.deadbeef.tmp'), '{"version":1,"ke');
  const reopened = await Wallet.open({ path: file, logger: silentLogger() });
  t.deepEqual(reopened.addresses(), [address]);
});

async function expectCorrupt(t: ExecutionContext, content: string, reason: RegExp): Promise<void> {
  const file = await tempFile(t);
  await fs.writeFile(file, content, { mode: 0o600 });
  const err = await t.throwsAsync(Wallet.open({ path: file, logger: silentLogger() }), { instanceOf: WalletError });
  t.is(err?.code, 'wallet-corrupt');
  t.true(err?.message.includes(file), 'the message names the file');
  t.regex(err?.message ?? '', reason);
  // The broken file is left as it was: never silently replaced by a new wallet.
  t.is(await fs.readFile(file, 'utf8'), content);
}

test('bad JSON is a wallet-corrupt error naming the file', async (t) => {
  await expectCorrupt(t, '{"version":1,"keys":[', /not valid JSON/);
});

test('a wrong version is refused', async (t) => {
  await expectCorrupt(t, JSON.stringify({ version: 2, keys: [] }), /version is 2/);
});

test('a key whose address does not match is refused', async (t) => {
  const a = makeKey();
  const b = makeKey();
  await expectCorrupt(t, JSON.stringify({ version: 1, keys: [{ privateKey: a.privateKey.toString('hex'), address: b.address, createdAt: new Date().toISOString() }] }), /belongs to/);
});

test('bad private-key hex is refused', async (t) => {
  await expectCorrupt(t, JSON.stringify({ version: 1, keys: [{ privateKey: 'zz'.repeat(32), address: makeKey().address, createdAt: 'x' }] }), /hex private key/);
  await expectCorrupt(t, JSON.stringify({ version: 1, keys: [{ privateKey: '00'.repeat(32), address: makeKey().address, createdAt: 'x' }] }), /not a valid secp256k1/);
});

test('an unreadable path is a wallet-unreadable error naming it', async (t) => {
  const file = await tempFile(t);
  await fs.mkdir(file);
  const err = await t.throwsAsync(Wallet.open({ path: file, logger: silentLogger() }), { instanceOf: WalletError });
  t.is(err?.code, 'wallet-unreadable');
  t.true(err?.message.includes(file));
});

test('a wallet file readable by others is loaded with a warning', async (t) => {
  const file = await tempFile(t);
  const wallet = await Wallet.open({ path: file, logger: silentLogger() });
  const address = await wallet.createKey();
  await fs.chmod(file, 0o644);
  const { logger, lines } = capturingLogger();
  const reopened = await Wallet.open({ path: file, logger });
  t.deepEqual(reopened.addresses(), [address]);
  t.is(lines.length, 1);
  t.regex(lines[0]!, /chmod 600/);

  // A private file gives no warning.
  await fs.chmod(file, 0o600);
  const quiet = capturingLogger();
  await Wallet.open({ path: file, logger: quiet.logger });
  t.is(quiet.lines.length, 0);
});

test('signTransaction signs only the inputs whose key the wallet holds', async (t) => {
  const wallet = await Wallet.open({ path: await tempFile(t), logger: silentLogger() });
  const mine = addressToPubKeyHash(await wallet.createKey());
  const other = makeKey();
  // The wallet finds the public key of an address it holds; inputs carry it.
  const publicKey = wallet.publicKeyFor(mine)!;
  t.true(hash160(publicKey).equals(mine));
  const unsigned = new Transaction(
    1,
    [
      { prevout: { txid: Buffer.alloc(32, 1), index: 0 }, publicKey, signature: Buffer.alloc(0) },
      { prevout: { txid: Buffer.alloc(32, 2), index: 1 }, publicKey: other.publicKey, signature: Buffer.alloc(0) },
    ],
    [{ amount: 5n, pubKeyHash: other.pubKeyHash }],
  );
  const signed = wallet.signTransaction(unsigned);
  t.true(verify(signed.inputs[0]!.signature, signed.sighash(0), publicKey));
  t.is(signed.inputs[1]!.signature.length, 0);
});

test('importKey adds a key atomically once; importing it again changes nothing; privateKeyFor finds it', async (t) => {
  const file = await tempFile(t);
  const wallet = await Wallet.open({ path: file, logger: silentLogger() });
  const first = await wallet.createKey();
  const key = makeKey();
  const [a, b] = await Promise.all([wallet.importKey(key.privateKey), wallet.importKey(key.privateKey)]);
  t.deepEqual(a, { address: key.address, added: true });
  t.deepEqual(b, { address: key.address, added: false }, 'a concurrent second import of the same key is not a second entry');
  t.deepEqual(await wallet.importKey(key.privateKey), { address: key.address, added: false });
  t.deepEqual(wallet.addresses(), [first, key.address], 'appended: the mining address (first key) stays');
  t.deepEqual(wallet.privateKeyFor(addressToPubKeyHash(key.address)), key.privateKey);
  t.is(wallet.privateKeyFor(Buffer.alloc(20)), undefined);
  const reopened = await Wallet.open({ path: file, logger: silentLogger() });
  t.deepEqual(reopened.addresses(), [first, key.address], 'on disk once');
  t.is(((await fs.stat(file)).mode & 0o777).toString(8), '600');
});

test('importKey keeps a label (at most 100 printable characters); a new label for a held key only relabels it; it survives a reload', async (t) => {
  const file = await tempFile(t);
  const wallet = await Wallet.open({ path: file, logger: silentLogger() });
  const key = makeKey();
  const pkh = addressToPubKeyHash(key.address);
  t.deepEqual(await wallet.importKey(key.privateKey, 'x'.repeat(100)), { address: key.address, added: true });
  t.is(wallet.labelFor(pkh), 'x'.repeat(100));
  await t.throwsAsync(wallet.importKey(makeKey().privateKey, 'y'.repeat(101)), { instanceOf: WalletError, message: 'a label may have at most 100 characters, this one has 101' });
  await t.throwsAsync(wallet.importKey(makeKey().privateKey, 'a\nb'), { instanceOf: WalletError, message: /control characters/ });
  t.is(wallet.addresses().length, 1, 'refused labels add no key');
  t.deepEqual(await wallet.importKey(key.privateKey, 'cold storage'), { address: key.address, added: false });
  t.is(wallet.labelFor(pkh), 'cold storage');
  t.deepEqual(await wallet.importKey(key.privateKey), { address: key.address, added: false });
  t.is(wallet.labelFor(pkh), 'cold storage', 'no label given: the label stays');
  const reopened = await Wallet.open({ path: file, logger: silentLogger() });
  t.is(reopened.labelFor(pkh), 'cold storage');
  t.deepEqual(reopened.addresses(), [key.address]);
  const stored = JSON.parse(await fs.readFile(file, 'utf8')) as { keys: Array<Record<string, unknown>> };
  stored.keys[0]!['label'] = 42;
  await fs.writeFile(file, JSON.stringify(stored));
  await t.throwsAsync(Wallet.open({ path: file, logger: silentLogger() }), { instanceOf: WalletError, message: /key 0 has a label that is not a string of at most 100 characters/ });
});
