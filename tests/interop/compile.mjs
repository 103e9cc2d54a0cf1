// Compiles the contracts in contracts/ with solc (evmVersion cancun, optimizer on) and OpenZeppelin from node_modules.
// As a script: `node compile.mjs OUTDIR` writes <Name>.bin (creation bytecode, hex) and <Name>.abi (JSON) per contract.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');
const here = dirname(fileURLToPath(import.meta.url));

export function compileContracts() {
  const sources = {};
  for (const file of readdirSync(join(here, 'contracts')).filter(f => f.endsWith('.sol'))) {
    sources[file] = { content: readFileSync(join(here, 'contracts', file), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const findImports = path => {
    try {
      return { contents: readFileSync(require.resolve(path), 'utf8') };
    } catch (e) {
      return { error: `cannot import ${path}: ${e.message}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter(e => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(errors.map(e => e.formattedMessage).join('\n'));
  }
  const contracts = {};
  for (const [file, byName] of Object.entries(output.contracts)) {
    if (!sources[file]) continue;
    for (const [name, c] of Object.entries(byName)) {
      contracts[name] = { abi: c.abi, bytecode: c.evm.bytecode.object };
    }
  }
  return { version: solc.version(), contracts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node compile.mjs OUTDIR');
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  const { version, contracts } = compileContracts();
  for (const [name, c] of Object.entries(contracts)) {
    writeFileSync(join(out, `${name}.bin`), c.bytecode);
    writeFileSync(join(out, `${name}.abi`), JSON.stringify(c.abi));
  }
  console.log(JSON.stringify({ version, contracts: Object.keys(contracts) }));
}
