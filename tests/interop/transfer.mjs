// Interop client: builds, signs and submits a native transfer to a ShanghaiChain node using only the
// .proto files and docs/transaction-format.md, then waits for its receipt.
//
//   SHC_NODE=127.0.0.1:26657 SHC_KEY=path/to/operator_key.json SHC_TO=0x...beef node transfer.mjs
//
// Prints one JSON line with the outcome; exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { accountOfKeyFile, connect, fromHex, hex, signTransaction } from './client.mjs';

const node = process.env.SHC_NODE ?? '127.0.0.1:26657';
const to = process.env.SHC_TO ?? '0x000000000000000000000000000000000000beef';
const amount = BigInt(process.env.SHC_AMOUNT ?? '12345');
const u256 = (value) => fromHex(value.toString(16).padStart(64, '0'));

const sender = accountOfKeyFile(JSON.parse(readFileSync(process.env.SHC_KEY, 'utf8')));
const address = sender.address;
const { client, call } = connect(node);

const status = await call('GetStatus', {});
const account = await call('GetAccount', { address });
const transaction = signTransaction({
  chain_id: status.chain_id,
  nonce: account.nonce,
  gas_limit: 21000,
  to: fromHex(to),
  value: u256(amount),
  expires_at_height: Number(status.head_height) + 100,
}, sender);

const submitted = await call('SubmitTransaction', { transaction });
const expectedId = createHash('sha256').update(transaction).digest();
if (hex(submitted.tx_id) !== hex(expectedId)) throw new Error(`tx id ${hex(submitted.tx_id)} is not sha256 of the signed bytes ${hex(expectedId)}`);
const { receipt } = await call('WaitForReceipt', { tx_id: submitted.tx_id, timeout_ms: 30000 });
const result = {
  tx_id: hex(submitted.tx_id),
  sender: '0x' + hex(address),
  status: receipt.status,
  block_height: receipt.block_height,
  gas_used: receipt.gas_used,
};
console.log(JSON.stringify(result));
client.close();
if (receipt.status !== 'RECEIPT_STATUS_SUCCESS') process.exit(1);
