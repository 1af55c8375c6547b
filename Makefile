# hpf-trust — `make run` brings the local network up; `make test` runs every test.
# Both bootstrap what they need (a .venv, node_modules) and are safe to run again.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
# `make bench BENCH_ACCOUNTS=10000` for a quicker run: at 100,000, OpenAttestation alone takes ~14 minutes.
BENCH_ACCOUNTS ?= 100000
# The national-suite comparison (scripts/bench_sm2.py): accounts per centre, half issued per setting.
SM2_BENCH_ACCOUNTS ?= 40000
BIN := $(VENV)/bin
# Node 22 from npm (package "node") first on PATH: Hardhat 3 needs Node >= 22.13.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export npm_config_update_notifier := false

.PHONY: run stop status test lint test-sol test-py bench bench-network gas abi geth bootstrap system clean help

help:
	@echo "make run    start the local network (chain node + contracts) and print where to go"
	@echo "make stop   stop it (state is kept)"
	@echo "make test   install what is needed and run every test (lint first)"
	@echo "make lint   ruff and mypy --strict (docs/development.md)"
	@echo "make bench  run the benchmarks and print their tables"
	@echo "make run VALIDATORS=4   the demo on a local 4-validator geth network instead of anvil"
	@echo "make abi    regenerate node/abi/*.json (the shipped ABIs) after changing a contract"

bootstrap: node_modules/.installed $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	@echo "==> npm ci (hardhat 3, node 22, solc-js, OpenZeppelin, anvil)"
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(VENV)/.installed: pyproject.toml
	@echo "==> python venv with hpf-trust (editable) and test extras"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c 'import node, verifier, issuer, web3, solcx' 
	@touch $@

# `make run VALIDATORS=4`: the demo on a local geth Clique network (its own HPF_HOME, so its
# databases and deployment never mix with anvil's); each centre on its own validator.
VALIDATORS ?=
NET_HOME := var/network-demo

run: bootstrap
ifeq ($(strip $(VALIDATORS)),)
	@$(BIN)/hpf node up
	@$(BIN)/hpf deploy
	@$(BIN)/python scripts/demo_setup.py
	@$(BIN)/python scripts/services.py start
	@$(BIN)/python scripts/run_summary.py
else
	@bash scripts/bootstrap-geth.sh
	@HPF_HOME=$(NET_HOME) $(BIN)/hpf network up --validators $(VALIDATORS)
	@export HPF_HOME=$(NET_HOME) HPF_NETWORK_DEMO=1 && eval "$$($(BIN)/hpf network env --node 0)" && \
		$(BIN)/hpf deploy && $(BIN)/python scripts/demo_setup.py && $(BIN)/python scripts/services.py start && \
		$(BIN)/python scripts/run_summary.py
	@HPF_HOME=$(NET_HOME) $(BIN)/hpf network status
endif

stop: bootstrap
	@$(BIN)/python scripts/services.py stop
	@$(BIN)/hpf node down
	@if [ -f $(NET_HOME)/network/network.json ]; then \
		HPF_HOME=$(NET_HOME) HPF_NETWORK_DEMO=1 $(BIN)/python scripts/services.py stop; \
		HPF_HOME=$(NET_HOME) $(BIN)/hpf network down; fi

status: bootstrap
	@$(BIN)/hpf node status

test: bootstrap system geth lint test-sol test-py

# ruff over all Python (rules and why: docs/development.md) and mypy --strict on the three packages;
# both pinned in the test extras, both must be clean.
lint: $(VENV)/.installed
	@echo "==> ruff, mypy --strict"
	@$(BIN)/ruff check node verifier issuer tests scripts
	@$(BIN)/mypy node verifier issuer

# geth v1.13.15 (Clique) from the Go module proxy, built once into var/geth/ (~1.5 min cold).
geth:
	@bash scripts/bootstrap-geth.sh

system:
	@bash scripts/bootstrap-system.sh
	@bash scripts/bootstrap-postgres.sh

test-sol: node_modules/.installed
	@echo "==> hardhat test solidity"
	@npx --no-install hardhat test solidity

test-py: $(VENV)/.installed
	@echo "==> pytest"
	@$(BIN)/python -m pytest -q

# The ABIs and runtime code hashes the bindings, the indexer and the verifier load (node/abi):
# committed, so nothing compiles at process start. Cheap when nothing changed (the compile is
# cached by source hash under var/build) and deterministic (same sources, same bytes).
abi: bootstrap
	@$(BIN)/python -m node.abi

gas: bootstrap
	@$(BIN)/python scripts/gas_table.py

scripts/oa-bench/node_modules/.installed: scripts/oa-bench/package-lock.json
	@cd scripts/oa-bench && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

bench: bootstrap gas scripts/oa-bench/node_modules/.installed
	@$(BIN)/python scripts/bench_verify.py
	@$(BIN)/python scripts/bench_sandbox.py
	@$(BIN)/python scripts/bench_blacklist.py
	@$(BIN)/python scripts/bench_issue.py --accounts $(BENCH_ACCOUNTS)
	@$(BIN)/python scripts/bench_sm2.py --accounts $(SM2_BENCH_ACCOUNTS)

bench-network: bootstrap geth
	@$(BIN)/python scripts/bench_network.py

clean:
	rm -rf var/build var/hardhat .pytest_cache
