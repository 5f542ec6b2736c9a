#!/usr/bin/env node
// Compiles one Solidity file with the pinned solcjs (package.json) and prints
// {"contractName", "solcVersion", "abi", "bytecode", "deployedBytecode", "methodIdentifiers"} as JSON on stdout.
//
//   node contracts/scripts/compile.js path/to/File.sol [ContractName]
//
// Settings are fixed here (optimizer on, 200 runs, evmVersion cancun) so that the same source always
// gives the same bytecode; the Rust tests and the deploy tooling go through this one script.
// Errors (and only errors: warnings go to stderr) make it exit 1.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.methodIdentifiers'] } },
};

function main() {
  const [file, wanted] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: compile.js <file.sol> [ContractName]\n');
    process.exit(2);
  }
  const name = path.basename(file);
  const input = {
    language: 'Solidity',
    sources: { [name]: { content: fs.readFileSync(file, 'utf8') } },
    settings: SETTINGS,
  };
  // Imports resolve relative to the compiled file's folder.
  // An import that climbs above the compiled file's folder ("../../src/X.sol" from test/tokens/)
  // reaches solc clipped at the virtual root ("src/X.sol"): then try it from the working directory.
  const findImports = (p) => {
    for (const full of [path.resolve(path.dirname(file), p), path.resolve(p)]) {
      try {
        return { contents: fs.readFileSync(full, 'utf8') };
      } catch (e) {
        // try the next candidate
      }
    }
    return { error: `import not found: ${p}` };
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  let failed = false;
  for (const e of out.errors || []) {
    process.stderr.write((e.formattedMessage || e.message) + '\n');
    if (e.severity === 'error') failed = true;
  }
  if (failed) process.exit(1);

  const contracts = out.contracts[name] || {};
  const names = Object.keys(contracts);
  const pick = wanted || names[names.length - 1];
  const c = contracts[pick];
  if (!c) {
    process.stderr.write(`contract ${pick} not found in ${file} (have: ${names.join(', ')})\n`);
    process.exit(1);
  }
  process.stdout.write(
    JSON.stringify({
      contractName: pick,
      solcVersion: solc.version(),
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
      methodIdentifiers: c.evm.methodIdentifiers,
    }) + '\n',
  );
}

main();
