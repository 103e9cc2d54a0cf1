// Interop client: builds, signs and submits a native transfer to a ShanghaiChain node using only the
// .proto files and docs/transaction-format.md, then waits for its receipt.
//
//   SHC_NODE=127.0.0.1:26657 SHC_KEY=path/to/operator_key.json SHC_TO=0x...beef node transfer.mjs
//
// Prints one JSON line with the outcome; exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { ed25519 } from '@noble/curves/ed25519.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoRoot = path.resolve(here, '../../proto');
const serviceFile = 'shanghaichain/v1/chain_service.proto';

const node = process.env.SHC_NODE ?? '127.0.0.1:26657';
const keyFile = JSON.parse(readFileSync(process.env.SHC_KEY, 'utf8'));
const to = process.env.SHC_TO ?? '0x000000000000000000000000000000000000beef';
const amount = BigInt(process.env.SHC_AMOUNT ?? '12345');

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (text) => Uint8Array.from(Buffer.from(text.replace(/^0x/, ''), 'hex'));
const u256 = (value) => fromHex(value.toString(16).padStart(64, '0'));

// Message encoding with protobufjs straight from the .proto files.
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(protoRoot, target);
root.loadSync(serviceFile, { keepCase: true });
const TransactionBody = root.lookupType('shanghaichain.v1.TransactionBody');
const SignedTransaction = root.lookupType('shanghaichain.v1.SignedTransaction');

// The gRPC client from the same files.
const definition = protoLoader.loadSync(serviceFile, { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true });
const { ChainService } = grpc.loadPackageDefinition(definition).shanghaichain.v1;
const client = new ChainService(node, grpc.credentials.createInsecure());
const call = (method, request) => new Promise((resolve, reject) =>
  client[method](request, { deadline: Date.now() + 60_000 }, (error, response) => (error ? reject(error) : resolve(response))));

if (keyFile.crypto_suite !== 'ed25519-sha256') throw new Error(`this client signs ed25519-sha256 only, key is ${keyFile.crypto_suite}`);
const secret = fromHex(keyFile.private_key);
const publicKey = ed25519.getPublicKey(secret);
// Address: last 20 bytes of the suite hash (SHA-256) of the public key.
const address = createHash('sha256').update(publicKey).digest().subarray(12);

const status = await call('GetStatus', {});
const account = await call('GetAccount', { address });
const body = TransactionBody.encode(TransactionBody.create({
  chain_id: status.chain_id,
  nonce: account.nonce,
  gas_limit: 21000,
  to: fromHex(to),
  value: u256(amount),
  expires_at_height: Number(status.head_height) + 100,
})).finish();
// Signature over the domain tag "shanghaichain.v1.tx\0" followed by the exact body bytes.
const domain = new TextEncoder().encode('shanghaichain.v1.tx\0');
const signature = ed25519.sign(new Uint8Array([...domain, ...body]), secret);
const transaction = SignedTransaction.encode(SignedTransaction.create({ body, public_key: publicKey, signature })).finish();

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
