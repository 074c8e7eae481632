import test from 'ava';
import { ValidationCode } from '../../../src/chain/errors.js';
import { isMisbehaviourCode, penaltyFor, penaltyForCompactBlock, truncateRejectReason } from '../../../src/p2p/misbehaviour.js';
import { MAX_REJECT_REASON_BYTES } from '../../../src/p2p/wire/index.js';

test('the policy: protocol violations discourage silently, invalid objects discourage with a reject, races and our clock cost nothing', (t) => {
  const table: Array<[Parameters<typeof penaltyFor>[0], string, boolean]> = [
    ['bad-magic', 'discourage', false],
    ['oversize', 'discourage', false],
    ['bad-checksum', 'discourage', false],
    ['unknown-type', 'discourage', false],
    ['malformed-payload', 'discourage', false],
    ['unexpected-message', 'discourage', false],
    ['bad-handshake-ack', 'discourage', false],
    ['bad-headers', 'discourage', false],
    [ValidationCode.BadPow, 'discourage', true],
    [ValidationCode.BadSignature, 'discourage', true],
    [ValidationCode.MissingInputs, 'discourage', true],
    [ValidationCode.InvalidAncestor, 'discourage', true],
    [ValidationCode.KnownInvalid, 'discourage', true],
    [ValidationCode.TimeTooNew, 'none', true],
    [ValidationCode.BadGenesis, 'none', true],
    [ValidationCode.UnknownParent, 'none', false],
    [ValidationCode.Duplicate, 'none', false],
  ];
  for (const [code, action, sendReject] of table) t.deepEqual(penaltyFor(code), { action, sendReject }, code);
  // Every consensus code has a priced entry (the Record type makes this exhaustive at compile time too).
  for (const code of Object.values(ValidationCode)) t.true(isMisbehaviourCode(code), code);
  t.false(isMisbehaviourCode('mempool-full'), 'policy rejections are not misbehaviour');
  t.false(isMisbehaviourCode('toString'), 'no prototype keys');
});

test('reject reasons are cut to MAX_REJECT_REASON_BYTES of UTF-8 without splitting a character', (t) => {
  t.is(truncateRejectReason('short'), 'short');
  const ascii = 'x'.repeat(MAX_REJECT_REASON_BYTES + 10);
  t.is(truncateRejectReason(ascii), 'x'.repeat(MAX_REJECT_REASON_BYTES));
  const exact = 'y'.repeat(MAX_REJECT_REASON_BYTES);
  t.is(truncateRejectReason(exact), exact);
  // "é" is 2 bytes, "€" 3: an odd/unaligned bound must drop the whole last character.
  for (const ch of ['é', '€', '😀']) {
    const cut = truncateRejectReason(`a${ch.repeat(MAX_REJECT_REASON_BYTES)}`);
    const bytes = Buffer.byteLength(cut, 'utf8');
    t.true(bytes <= MAX_REJECT_REASON_BYTES && bytes > MAX_REJECT_REASON_BYTES - Buffer.byteLength(ch), `${ch}: ${bytes} bytes`);
    t.false(cut.includes('\uFFFD'), 'no broken character');
    t.true(cut.startsWith('a'));
  }
});

test('compact blocks (BIP152): bad bits or PoW still discourage, anything a relayer does not check first is only told, races stay free; bad block-txn answers discourage', (t) => {
  const table: Array<[Parameters<typeof penaltyForCompactBlock>[0], string, boolean]> = [
    [ValidationCode.BadPow, 'discourage', true],
    [ValidationCode.BadBits, 'discourage', true],
    [ValidationCode.BadTimestamp, 'none', true],
    [ValidationCode.KnownInvalid, 'none', true],
    [ValidationCode.BadSignature, 'none', true],
    [ValidationCode.MissingInputs, 'none', true],
    [ValidationCode.BadMerkleRoot, 'none', true],
    [ValidationCode.DuplicateTx, 'none', true],
    [ValidationCode.UnknownParent, 'none', false],
    [ValidationCode.TimeTooNew, 'none', true],
  ];
  for (const [code, action, sendReject] of table) t.deepEqual(penaltyForCompactBlock(code), { action, sendReject }, code);
  for (const code of ['unsolicited-block-txn', 'bad-block-txn', 'bad-block-txn-index'] as const) {
    t.deepEqual(penaltyFor(code), { action: 'discourage', sendReject: false }, code);
    t.true(isMisbehaviourCode(code));
  }
});
