// Hardhat 3 compiles and tests the contracts offline with solc-js from npm (no compiler download).
// Compiler version and settings come from contracts/compiler.json, which the Python compiler
// (node/compiler.py) reads too, so both produce the same runtime bytecode.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "hardhat/config";

const compiler = JSON.parse(readFileSync(new URL("./contracts/compiler.json", import.meta.url), "utf8"));
const soljson = fileURLToPath(new URL("./node_modules/solc/soljson.js", import.meta.url));

export default defineConfig({
  solidity: {
    version: compiler.version,
    path: soljson,
    settings: compiler.settings,
  },
  paths: {
    sources: "./contracts",
    tests: { solidity: "./contracts/test" },
    cache: "./var/hardhat/cache",
    artifacts: "./var/hardhat/artifacts",
  },
});
