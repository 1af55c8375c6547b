"""`python -m node.abi` (what `make abi` runs): regenerate node/abi/*.json; `--check` only compares."""

from node.abi import main

raise SystemExit(main())
