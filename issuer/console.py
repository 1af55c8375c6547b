"""The `hpf` command. Each package contributes its own command group; this module, at the top
of the dependency chain (issuer → verifier → node), assembles them."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from issuer import audit_cli  # noqa: F401 — registers `hpf issuer audit`
from issuer.blacklist_cli import app as blacklist_app
from issuer.centre_cli import app as centre_app
from issuer.cli import _Command
from issuer.cli import app as issuer_app
from issuer.consortium_cli import app as consortium_app
from issuer.issue_cli import issue_command, revoke_command
from node.cli import app as node_app
from node.cli import deploy_command
from node.log import configure_logging
from node.network_cli import app as network_app
from node.settings import get_settings
from verifier.cli import app as verifier_app
from verifier.cli import verify_command
from verifier.keys_cli import app as verifier_keys_app
from verifier.lender_cli import app as lender_app

app = typer.Typer(
    name="hpf",
    help="hpf-trust: provident-fund deposit certificates and a shared blacklist on a consortium chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring paragraphs wrap to the terminal
)
app.add_typer(node_app, name="node")
app.add_typer(network_app, name="network")
app.command("deploy")(deploy_command)
app.command("verify", cls=_Command)(verify_command)  # bad usage (e.g. --as abc) exits 64
verifier_app.add_typer(verifier_keys_app, name="keys")
app.add_typer(verifier_app, name="verifier")
app.add_typer(lender_app, name="lender")
app.add_typer(blacklist_app, name="blacklist")
app.command("issue", cls=_Command)(issue_command)
app.command("revoke", cls=_Command)(revoke_command)
app.add_typer(issuer_app, name="issuer")
app.add_typer(consortium_app, name="consortium")
app.add_typer(centre_app, name="centre")


@app.callback()
def _root() -> None:
    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"HPF_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        typer.echo(f"error: invalid setting: {problems}", err=True)
        raise typer.Exit(1) from None
    configure_logging(settings.log_level, json=settings.log_json)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
