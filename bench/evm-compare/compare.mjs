// Runs the same Solidity bytecode (contracts/build, compiled by compile.mjs) in @ethereumjs/evm and in ShanghaiChain's
// EVM (through the benchmark project's `evm-run` command) and prints both rates side by side.
//
//   npm ci --prefix bench/evm-compare
//   dotnet build bench/Benchmarks -c Release -p:WarningsNotAsErrors=NU1603
//   node bench/evm-compare/compare.mjs [SECONDS]
//
// Both engines run message calls (EVM.runCall / VirtualMachine.Execute) from the same sender with the same calldata,
// after deploying through the constructors. Rates are given per second of wall clock and per second of the process's
// own CPU time; on a shared, loaded machine the CPU-time figures are the comparable ones.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Common, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM } from '@ethereumjs/evm';
import { createAccount, createAddressFromString, hexToBytes, bytesToHex } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const seconds = Number(process.argv[2] ?? 3);
const artifact = (name) => JSON.parse(fs.readFileSync(path.join(root, 'contracts', 'build', `${name}.json`), 'utf8'));

const sender = createAddressFromString('0x00000000000000000000000000000000000a11ce');
const recipient = '0x0000000000000000000000000000000000000b0b';
const word = (value) => BigInt(value).toString(16).padStart(64, '0');
const selector = (signature) => bytesToHex(keccak_256(new TextEncoder().encode(signature))).slice(2, 10);
const call = (signature, ...words) => hexToBytes('0x' + selector(signature) + words.join(''));

// The scenarios of bench/Benchmarks/SolidityWorkloads.cs, with the same calldata.
const scenarios = {
  'erc20-transfer': { contract: 'token', data: call('transfer(address,uint256)', word(recipient), word(1)) },
  'hash-chain': { contract: 'compute', data: call('hashChain(bytes32,uint256)', word(0x5eed), word(2000)) },
  'mod-exp': {
    contract: 'compute',
    data: call('modExp(uint256,uint256,uint256)', word(3),
      '7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'),
  },
  sort: { contract: 'compute', data: call('sort(uint256,uint256)', word(120), word(42)) },
};

async function ethereumjs(name) {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun });
  const evm = await createEVM({ common });
  await evm.stateManager.putAccount(sender, createAccount({ nonce: 0n, balance: 10n ** 21n }));
  const deploy = async (contract, args) => {
    const result = await evm.runCall({ caller: sender, origin: sender, data: hexToBytes('0x' + artifact(contract).bytecode + args), gasLimit: 30_000_000n });
    if (result.execResult.exceptionError) throw new Error(`deploying ${contract}: ${result.execResult.exceptionError.error}`);
    return result.createdAddress;
  };
  const addresses = { token: await deploy('BenchToken', '01' + '0'.repeat(62)), compute: await deploy('ComputeBench', '') };
  const scenario = scenarios[name];
  const once = async () => {
    const result = await evm.runCall({ caller: sender, origin: sender, to: addresses[scenario.contract], data: scenario.data, gasLimit: 30_000_000n });
    if (result.execResult.exceptionError) throw new Error(`${name}: ${result.execResult.exceptionError.error}`);
    return result.execResult.executionGasUsed;
  };
  const measure = async (limit) => {
    let calls = 0;
    let gas = 0n;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - t0) / 1e9 < limit) {
      gas += await once();
      calls++;
    }
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuUsed = process.cpuUsage(cpu0);
    return { calls, wall, cpu: (cpuUsed.user + cpuUsed.system) / 1e6, gas: Number(gas) };
  };
  await measure(1);
  const m = await measure(seconds);
  return { calls: m.calls, callsPerSecond: m.calls / m.wall, cpuCallsPerSecond: m.calls / m.cpu, gasPerCall: m.gas / m.calls,
    mgasPerSecond: m.gas / m.wall / 1e6, cpuMgasPerSecond: m.gas / m.cpu / 1e6 };
}

function ours(name) {
  const dll = process.env.SHC_BENCH_DLL ?? path.join(root, 'bench', 'Benchmarks', 'bin', 'Release', 'net10.0', 'ShanghaiChain.Benchmarks.dll');
  if (!fs.existsSync(dll)) throw new Error(`${dll} not found: build it with 'dotnet build bench/Benchmarks -c Release -p:WarningsNotAsErrors=NU1603'`);
  const out = execFileSync('dotnet', [dll, 'evm-run', name, String(seconds)], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop());
  return { calls: r.calls, callsPerSecond: r.callsPerSecond, cpuCallsPerSecond: r.cpuCallsPerSecond,
    gasPerCall: r.mgasPerSecond * 1e6 / r.callsPerSecond, mgasPerSecond: r.mgasPerSecond, cpuMgasPerSecond: r.cpuMgasPerSecond };
}

const f = (x, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`| scenario | gas/call (ejs / ours) | @ethereumjs/evm calls/s (CPU) | ShanghaiChain calls/s (CPU) | ratio (CPU) | ratio (wall) |`);
console.log(`|---|---|---|---|---|---|`);
for (const name of Object.keys(scenarios)) {
  const a = await ethereumjs(name);
  const b = ours(name);
  console.log(`| ${name} | ${f(a.gasPerCall)} / ${f(b.gasPerCall)} | ${f(a.cpuCallsPerSecond)} (${f(a.cpuMgasPerSecond, 1)} Mgas/s) | ` +
    `${f(b.cpuCallsPerSecond)} (${f(b.cpuMgasPerSecond, 1)} Mgas/s) | ${f(b.cpuCallsPerSecond / a.cpuCallsPerSecond, 1)}x | ` +
    `${f(b.callsPerSecond / a.callsPerSecond, 1)}x |`);
}
