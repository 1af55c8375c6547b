#!/usr/bin/env node
// A solc command line for py-solc-x, backed by solc-js (npm "solc"): no native compiler can be
// downloaded here. Answers `--version` and `--standard-json` (JSON on stdin, JSON on stdout,
// nothing else on stdout). Imports resolve against --base-path, then node_modules.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const projectRoot = path.resolve(__dirname, "..", "..");
const solc = require(path.join(projectRoot, "node_modules", "solc"));

function argValue(args, name) {
  const i = args.indexOf(name);
  if (i >= 0 && i + 1 < args.length) return args[i + 1];
  const prefixed = args.find((a) => a.startsWith(name + "="));
  return prefixed ? prefixed.slice(name.length + 1) : undefined;
}

function main(args) {
  if (args.includes("--version")) {
    process.stdout.write("solc, the solidity compiler commandline interface\nVersion: " + solc.version() + "\n");
    return 0;
  }
  if (!args.includes("--standard-json")) {
    process.stderr.write("solc-cli.cjs supports only --version and --standard-json\n");
    return 1;
  }
  const basePath = path.resolve(argValue(args, "--base-path") || projectRoot);
  const roots = [basePath, path.join(projectRoot, "node_modules"), projectRoot];
  const findImports = (importPath) => {
    for (const root of roots) {
      const candidate = path.resolve(root, importPath);
      if (candidate.startsWith(root) && fs.existsSync(candidate)) {
        return { contents: fs.readFileSync(candidate, "utf8") };
      }
    }
    return { error: "File not found: " + importPath };
  };
  const input = fs.readFileSync(0, "utf8");
  process.stdout.write(solc.compile(input, { import: findImports }));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
