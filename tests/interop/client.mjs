// What the interop clients share: protobuf types and a gRPC ChainService client built from the .proto files alone,
// the ed25519-sha256 account and transaction signing of docs/transaction-format.md, and hex helpers.
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

export const hex = (bytes) => Buffer.from(bytes).toString('hex');
export const fromHex = (text) => Uint8Array.from(Buffer.from(text.replace(/^0x/, ''), 'hex'));
export const concat = (...parts) => Uint8Array.from(parts.flatMap((p) => [...p]));

// Message encoding with protobufjs straight from the .proto files.
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(protoRoot, target);
root.loadSync(serviceFile, { keepCase: true });
export const TransactionBody = root.lookupType('shanghaichain.v1.TransactionBody');
export const SignedTransaction = root.lookupType('shanghaichain.v1.SignedTransaction');

/** A ChainService client for `node` (host:port) from the same files; `call(method, request)` returns a promise. */
export function connect(node) {
  const definition = protoLoader.loadSync(serviceFile, { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true });
  const { ChainService } = grpc.loadPackageDefinition(definition).shanghaichain.v1;
  const client = new ChainService(node, grpc.credentials.createInsecure());
  const call = (method, request) => new Promise((resolve, reject) =>
    client[method](request, { deadline: Date.now() + 60_000 }, (error, response) => (error ? reject(error) : resolve(response))));
  return { client, call };
}

/** An ed25519-sha256 account from its 32-byte secret: the address is the last 20 bytes of SHA-256(public key). */
export function account(secret) {
  const publicKey = ed25519.getPublicKey(secret);
  return { secret, publicKey, address: createHash('sha256').update(publicKey).digest().subarray(12) };
}

/** The operator's account from a key file (JSON), refusing a suite these clients cannot sign. */
export function accountOfKeyFile(keyFile) {
  if (keyFile.crypto_suite !== 'ed25519-sha256') throw new Error(`this client signs ed25519-sha256 only, key is ${keyFile.crypto_suite}`);
  return account(fromHex(keyFile.private_key));
}

/** Encodes and signs a TransactionBody: the signature covers the domain tag "shanghaichain.v1.tx\0" and the exact body bytes. */
export function signTransaction(fields, from) {
  const body = TransactionBody.encode(TransactionBody.create(fields)).finish();
  const signature = ed25519.sign(concat(new TextEncoder().encode('shanghaichain.v1.tx\0'), body), from.secret);
  return SignedTransaction.encode(SignedTransaction.create({ body, public_key: from.publicKey, signature })).finish();
}
