// Interop client for contracts: compiles OpenZeppelin ERC-20 and ERC-721 with solc (evmVersion cancun), deploys them
// through the gRPC API built from the .proto files alone, and checks transfers, approve/transferFrom, events (in
// receipts and through SubscribeEvents, resumed from a cursor), reverts with their reasons, and read-only Calls.
//
//   SHC_NODE=127.0.0.1:26657 SHC_KEY=path/to/operator_key.json node tokens.mjs
//
// Prints one JSON line with what it checked; exits non-zero (with the failed check on stderr) on any failure.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { account, accountOfKeyFile, concat, connect, fromHex, hex, signTransaction } from './client.mjs';
import { compileContracts } from './compile.mjs';

const node = process.env.SHC_NODE ?? '127.0.0.1:26657';
const operatorKey = JSON.parse(readFileSync(process.env.SHC_KEY, 'utf8'));

const check = (condition, what) => { if (!condition) throw new Error(`check failed: ${what}`); };
const checked = [];

// --- gRPC straight from the .proto files (client.mjs) ---
const { client, call } = connect(node);

// --- a minimal contract ABI (static types and strings), enough for ERC-20/721 ---
const keccak = (text) => keccak_256(new TextEncoder().encode(text));
const word = (value) => fromHex(BigInt(value).toString(16).padStart(64, '0'));
const addressWord = (address) => concat(new Uint8Array(12), address);
const selector = (signature) => keccak(signature).subarray(0, 4);
const encodeCall = (signature, ...args) => concat(selector(signature), ...args.map((a) => (a instanceof Uint8Array ? addressWord(a) : word(a))));
const readUint = (bytes, at = 0) => BigInt('0x' + (hex(bytes.subarray(at, at + 32)) || '0'));
const readAddress = (bytes, at = 0) => '0x' + hex(bytes.subarray(at + 12, at + 32));
const readString = (bytes) => {
  const offset = Number(readUint(bytes, 0));
  const length = Number(readUint(bytes, offset));
  return Buffer.from(bytes.subarray(offset + 32, offset + 32 + length)).toString('utf8');
};
const topic = (signature) => hex(keccak(signature));

// --- keys: the funded operator, and two fresh accounts (gas price 0: they need no balance) ---
const alice = accountOfKeyFile(operatorKey);
const bob = account(Uint8Array.from(randomBytes(32)));
const carol = account(Uint8Array.from(randomBytes(32)));
const addr = (a) => '0x' + hex(a.address);

const status = await call('GetStatus', {});

async function estimate(from, to, data) {
  const response = await call('EstimateGas', { from: from.address, to: to ?? new Uint8Array(), data });
  return Number(response.gas_limit);
}

/** Signs and submits a transaction (to = null deploys), waits for its receipt. */
async function send(from, to, data, gasLimit) {
  const { nonce } = await call('GetAccount', { address: from.address });
  const head = Number((await call('GetStatus', {})).head_height);
  const transaction = signTransaction({
    chain_id: status.chain_id,
    nonce,
    gas_limit: gasLimit ?? Math.ceil((await estimate(from, to, data)) * 1.25),
    to: to ?? new Uint8Array(),
    data,
    expires_at_height: head + 100,
  }, from);
  const { tx_id } = await call('SubmitTransaction', { transaction });
  return (await call('WaitForReceipt', { tx_id, timeout_ms: 30000 })).receipt;
}

async function view(to, data) {
  const response = await call('Call', { from: alice.address, to, data });
  check(response.success, `read-only call succeeds (${response.error_message})`);
  return Uint8Array.from(response.output);
}

const started = Date.now();
const { version, contracts } = compileContracts();
const TRANSFER = topic('Transfer(address,address,uint256)');
const APPROVAL = topic('Approval(address,address,uint256)');

// ===== ERC-20 =====
const deployed = await send(alice, null, concat(fromHex(contracts.Token.bytecode), word(1_000_000n)));
check(deployed.status === 'RECEIPT_STATUS_SUCCESS', `ERC-20 deployment succeeds (${deployed.error_message})`);
const token = Uint8Array.from(deployed.contract_address);
check(token.length === 20, 'the receipt carries the created address');
const code = await call('GetCode', { address: token });
check(code.code.length > 0, 'GetCode returns the deployed code');
const mintLog = deployed.logs[0];
check(hex(mintLog.topics[0]) === TRANSFER && readAddress(Uint8Array.from(mintLog.topics[2])) === addr(alice), 'the mint is a Transfer event to the deployer');
checked.push('erc20 deploy');

const balanceOf = async (who) => readUint(await view(token, encodeCall('balanceOf(address)', who.address)));
check(readString(await view(token, encodeCall('name()'))) === 'Shanghai Token', 'name() through Call');
check(await balanceOf(alice) === 1_000_000n, 'the deployer holds the supply');

const transfer = await send(alice, token, encodeCall('transfer(address,uint256)', bob.address, 100n));
check(transfer.status === 'RECEIPT_STATUS_SUCCESS', 'transfer succeeds');
check(transfer.logs.length === 1 && hex(transfer.logs[0].topics[0]) === TRANSFER && readUint(Uint8Array.from(transfer.logs[0].data)) === 100n,
  'transfer emits Transfer(alice, bob, 100)');
check(await balanceOf(bob) === 100n && await balanceOf(alice) === 999_900n, 'balances after transfer');
// The slot holding bob's balance is readable through GetStorage (OpenZeppelin 5: _balances is slot 0).
const slot = keccak_256(concat(addressWord(bob.address), word(0)));
const stored = await call('GetStorage', { address: token, slot });
check(readUint(Uint8Array.from(stored.value)) === 100n, 'GetStorage reads the balance slot');
checked.push('erc20 transfer');

const approve = await send(alice, token, encodeCall('approve(address,uint256)', bob.address, 50n));
check(approve.status === 'RECEIPT_STATUS_SUCCESS' && hex(approve.logs[0].topics[0]) === APPROVAL, 'approve emits Approval');
const allowance = async () => readUint(await view(token, encodeCall('allowance(address,address)', alice.address, bob.address)));
check(await allowance() === 50n, 'allowance after approve');
const pulled = await send(bob, token, encodeCall('transferFrom(address,address,uint256)', alice.address, carol.address, 30n));
check(pulled.status === 'RECEIPT_STATUS_SUCCESS', `transferFrom by the spender succeeds (${pulled.error_message})`);
check(await balanceOf(carol) === 30n && await allowance() === 20n, 'transferFrom moves the tokens and spends the allowance');
checked.push('erc20 approve/transferFrom');

// Beyond the allowance: the receipt fails with the custom error ERC20InsufficientAllowance(bob, 20, 100).
const refused = await send(bob, token, encodeCall('transferFrom(address,address,uint256)', alice.address, carol.address, 100n), 200_000);
const output = Uint8Array.from(refused.output);
check(refused.status === 'RECEIPT_STATUS_FAILED' && refused.error === 'EXECUTION_ERROR_REVERTED', 'over-allowance transferFrom reverts');
check(hex(output.subarray(0, 4)) === hex(selector('ERC20InsufficientAllowance(address,uint256,uint256)')) &&
  readAddress(output, 4) === addr(bob) && readUint(output, 36) === 20n && readUint(output, 68) === 100n, 'the revert data is ERC20InsufficientAllowance(bob, 20, 100)');
check(refused.error_message.includes('custom error 0x' + hex(output.subarray(0, 4))), `the receipt names the custom error (${refused.error_message})`);
check(refused.logs.length === 0 && await balanceOf(carol) === 30n, 'a revert leaves no events and no balance change');
const estimateRefused = await estimate(bob, token, encodeCall('transferFrom(address,address,uint256)', alice.address, carol.address, 100n))
  .then(() => null, (error) => error);
check(estimateRefused?.code === grpc.status.FAILED_PRECONDITION, 'EstimateGas of a reverting call is refused');
checked.push('erc20 revert');

// ===== ERC-721 =====
const deployed721 = await send(alice, null, fromHex(contracts.Collectible.bytecode));
check(deployed721.status === 'RECEIPT_STATUS_SUCCESS', `ERC-721 deployment succeeds (${deployed721.error_message})`);
const nft = Uint8Array.from(deployed721.contract_address);
const minted = await send(alice, nft, encodeCall('mint(address,uint256)', alice.address, 7n));
check(minted.status === 'RECEIPT_STATUS_SUCCESS' && minted.logs[0].topics.length === 4 && readUint(Uint8Array.from(minted.logs[0].topics[3])) === 7n,
  'mint emits Transfer(0, alice, 7) with three indexed topics');
const ownerOf = async (id) => readAddress(await view(nft, encodeCall('ownerOf(uint256)', id)));
check(await ownerOf(7n) === addr(alice), 'ownerOf after mint');
const approved = await send(alice, nft, encodeCall('approve(address,uint256)', bob.address, 7n));
check(approved.status === 'RECEIPT_STATUS_SUCCESS' && hex(approved.logs[0].topics[0]) === APPROVAL, 'approve emits Approval');
check(readAddress(await view(nft, encodeCall('getApproved(uint256)', 7n))) === addr(bob), 'getApproved after approve');
const moved = await send(bob, nft, encodeCall('transferFrom(address,address,uint256)', alice.address, carol.address, 7n));
check(moved.status === 'RECEIPT_STATUS_SUCCESS', `transferFrom by the approved account succeeds (${moved.error_message})`);
check(await ownerOf(7n) === addr(carol), 'ownerOf after transferFrom');
checked.push('erc721 mint/approve/transferFrom');

const reserved = await send(alice, nft, encodeCall('mint(address,uint256)', alice.address, 0n), 200_000);
check(reserved.status === 'RECEIPT_STATUS_FAILED' && reserved.error_message === 'execution reverted: token id 0 is reserved',
  `a require reason is decoded in the receipt (${reserved.error_message})`);
const missing = await call('Call', { from: alice.address, to: nft, data: encodeCall('ownerOf(uint256)', 99n) });
check(!missing.success && missing.error === 'EXECUTION_ERROR_REVERTED' &&
  hex(Uint8Array.from(missing.output).subarray(0, 4)) === hex(selector('ERC721NonexistentToken(uint256)')), 'a reverting read-only Call reports its revert data');
checked.push('erc721 reverts');

// ===== SubscribeEvents: the ERC-20 Transfers from block 1, then resumed after the first one =====
function collect(request, count) {
  return new Promise((resolve, reject) => {
    const events = [];
    const stream = client.SubscribeEvents(request);
    const timer = setTimeout(() => { stream.cancel(); reject(new Error(`only ${events.length} of ${count} events arrived`)); }, 20_000);
    stream.on('data', (event) => {
      events.push(event);
      if (events.length === count) {
        clearTimeout(timer);
        stream.cancel();
        resolve(events);
      }
    });
    stream.on('error', (error) => { if (error.code !== grpc.status.CANCELLED) { clearTimeout(timer); reject(error); } });
  });
}
const filter = { addresses: [token], topics: [{ values: [fromHex(TRANSFER)] }] };
const all = await collect({ ...filter, from_height: 1 }, 3);
const recipients = all.map((e) => readAddress(Uint8Array.from(e.log.topics[2])));
check(JSON.stringify(recipients) === JSON.stringify([addr(alice), addr(bob), addr(carol)]), 'SubscribeEvents delivers the three Transfers in order');
check(all.every((e) => hex(e.log.address) === hex(token)), 'only the token contract\'s events');
const resumed = await collect({ ...filter, after: all[0].cursor }, 2);
check(JSON.stringify(resumed.map((e) => e.cursor)) === JSON.stringify(all.slice(1).map((e) => e.cursor)), 'resuming after a cursor continues exactly');
const byTx = await call('GetReceipt', { tx_id: all[1].tx_id });
check(hex(byTx.receipt.logs[Number(all[1].cursor.log_index)].data) === hex(all[1].log.data), 'an event matches its receipt log');
checked.push('events');

console.log(JSON.stringify({ solc: version, token: '0x' + hex(token), nft: '0x' + hex(nft), checked, ms: Date.now() - started }));
client.close();
