// Compiles contracts/src/*.sol with the pinned solc (evmVersion cancun, optimizer on, 200 runs) and writes one JSON
// per contract to contracts/build/: { contract, source, solc, evmVersion, abi, bytecode, deployedBytecode }.
// The .NET tests and benchmarks read those files, so they need no npm. Run after editing a source:
//   npm ci --prefix bench/evm-compare && node bench/evm-compare/compile.mjs
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const sourceDir = path.join(root, 'contracts', 'src');
const buildDir = path.join(root, 'contracts', 'build');

const sources = {};
for (const file of fs.readdirSync(sourceDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(sourceDir, file), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
function findImports(importPath) {
  const candidates = [path.join(sourceDir, importPath), path.join(here, 'node_modules', importPath)];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `not found: ${importPath}` };
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

fs.mkdirSync(buildDir, { recursive: true });
for (const [file, contracts] of Object.entries(output.contracts)) {
  if (!(file in sources)) continue;
  for (const [name, artifact] of Object.entries(contracts)) {
    // Interfaces have no code: only the system contracts' (IGmCrypto, IGovernance, ICrossChain) are written, for their ABI.
    if (artifact.evm.bytecode.object.length === 0 && !['IGmCrypto', 'IGovernance', 'ICrossChain'].includes(name)) continue;
    const out = {
      contract: name,
      source: `contracts/src/${file}`,
      solc: solc.version(),
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      abi: artifact.abi,
      bytecode: artifact.evm.bytecode.object,
      deployedBytecode: artifact.evm.deployedBytecode.object,
    };
    fs.writeFileSync(path.join(buildDir, `${name}.json`), JSON.stringify(out, null, 1) + '\n');
    console.log(`${name}: ${out.deployedBytecode.length / 2} bytes deployed`);
  }
}
