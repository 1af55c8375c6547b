"""`hpf issuer audit --centre C [--json]`: every batch of the centre re-read against the chain.

Prints {"batches", "final", "pending", "missing"} (and the head and finality rule it judged by).
`missing` counts batches the database calls anchored whose root the chain does not hold under
this centre. Exit 0 only when nothing is missing, 1 otherwise. It changes nothing: a running
issuer (or any issuer command) anchors missing roots again.
"""

from __future__ import annotations

import json

import typer

from issuer.cli import Centre, JsonOut, _Command, app, out
from issuer.issue_cli import _chain_errors, _open

__all__ = ["audit_command"]


@app.command("audit", cls=_Command)
def audit_command(centre: Centre, json_out: JsonOut = False) -> None:
    """Re-read every batch against the chain (核对上链): batches, final, pending, missing.
    Exit 0 only when nothing the database calls anchored is missing on chain."""
    with _chain_errors(json_out):
        issuer = _open(centre)
        report = issuer.reconciler.audit()
    if json_out:
        print(json.dumps(report))
    else:
        out.print(
            f"centre {centre}: {report['batches']} batches, {report['final']} final, {report['pending']} pending, "
            f"{report['missing']} missing (head {report['head']}; {report['finality']['engine']}, "
            f"final at depth {report['finality']['depth']})",
            highlight=False,
        )
    raise typer.Exit(0 if report["missing"] == 0 else 1)
