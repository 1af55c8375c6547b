"""`hpf verify` and `hpf verifier …`: verify certificates from the command line, or serve the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from node.errors import HpfNodeError
from node.settings import get_settings
from verifier.errors import HpfVerifierError
from verifier.pipeline import Verifier
from verifier.result import Status, Verdict, VerificationResult

EXIT_VALID, EXIT_INVALID, EXIT_INDETERMINATE, EXIT_USAGE = 0, 1, 2, 64
_EXIT = {Verdict.VALID: EXIT_VALID, Verdict.INVALID: EXIT_INVALID, Verdict.INDETERMINATE: EXIT_INDETERMINATE}

app = typer.Typer(help="The verifier service for lenders: `hpf verifier serve`.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _read_argument(arg: str) -> tuple[bytes | str, str | None]:
    if arg == "-":
        return sys.stdin.buffer.read(), None
    if arg.strip().upper().startswith("HPF"):
        return arg, None
    path = Path(arg)
    if not path.is_file():
        raise FileNotFoundError(f"{arg} is neither an HPF1: string nor a readable file")
    return path.read_bytes(), path.name


def render(result: VerificationResult, console: Console = out) -> None:
    colour = {"VALID": "green", "INVALID": "red", "INDETERMINATE": "yellow"}[str(result.verdict)]
    zh = {"VALID": "真实有效", "INVALID": "无效", "INDETERMINATE": "暂时无法判断"}[str(result.verdict)]
    s = result.summary or {}
    if s.get("tone") == "warn":
        colour = "yellow"
    console.print(f"[bold {colour}]{result.verdict}[/]  {s.get('headline_zh', zh)}", highlight=False)
    if s.get("detail_zh"):
        console.print(s["detail_zh"], highlight=False)
    if s.get("advice_zh"):
        console.print(f"{s['advice_zh']} {s.get('advice_en', '')}", highlight=False)
    table = Table(show_header=True, header_style="bold")
    table.add_column("check")
    table.add_column("status")
    table.add_column("reason")
    table.add_column("message")
    marks = {Status.OK: "[green]ok[/]", Status.FAIL: "[red]fail[/]", Status.UNKNOWN: "[yellow]unknown[/]",
             Status.ERROR: "[yellow]error[/]", Status.SKIPPED: "[dim]skipped[/]"}
    for c in result.checks:
        table.add_row(c.name, marks[c.status], c.reason or "", f"{c.message_zh} {c.message_en}")
    console.print(table)
    cert = result.certificate
    if cert:
        holder = f"  {cert['name']} {cert['id_masked']}" if "name" in cert else ""
        console.print(f"证明编号 {cert['number']}  {cert.get('centre_name')} ({cert['centre_code']}){holder}",
                      highlight=False)
    bl = result.blacklist
    if bl.get("withheld"):
        pass
    elif bl.get("listed"):
        console.print(f"[bold red]黑名单: 已列入 {len(bl['entries'])} 条[/] (listed on the blacklist)")
    elif bl.get("checked"):
        console.print("黑名单: 未列入 (not on the blacklist)")
    else:
        console.print(f"黑名单: 未能查询 ({bl.get('message', 'not checked')})")
    if result.chain and "block" in result.chain:
        console.print(f"chain read at block {result.chain['block']}, {result.chain['time_iso']}")


def verify_command(
    input_: Annotated[
        str, typer.Argument(metavar="INPUT", help="A file (PNG/JPEG photo, PDF), '-' for stdin, or an HPF1: string.")
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object per certificate.")] = False,
    as_institution: Annotated[
        int | None, typer.Option("--as", help="Act for this registered institution id (audience check, access trace).")
    ] = None,
) -> None:
    """Verify deposit certificates: exit 0 VALID, 1 INVALID, 2 INDETERMINATE, 64 unreadable input
    (also a file too complex to read within its budget) or bad usage (e.g. --as abc).

    --json prints {"verdict", "reasons", "checks": [{"name","status","reason","message"}],
    "certificate": {...}, "blacklist": {"checked", "listed", "entries"}, "summary": {"tone",
    "headline_zh", …}} (one object per certificate found); "listed" is null when the blacklist could
    not be read. WRONG_AUDIENCE: "certificate" holds only number, centre_code and centre_name, and
    the blacklist is withheld. Images and PDFs are read in a sandboxed worker process (memory, CPU
    and time limits).
    """
    from verifier.sandbox import Sandbox, read_untrusted  # keeps `hpf --help` fast

    settings = get_settings()
    try:
        data, filename = _read_argument(input_)
        found = read_untrusted(data, filename=filename, sandbox=_one_worker(Sandbox, data))
    except (HpfVerifierError, FileNotFoundError, OSError) as exc:
        _usage_error(str(exc), getattr(exc, "message_zh", None), json_out)
        return
    try:
        from verifier.service_setup import chain_reader

        reader = chain_reader(settings)
    except HpfNodeError as exc:
        reader = None
        err.print(f"[yellow]warning:[/] {exc}", highlight=False)
    if as_institution is not None and reader is not None:
        _check_as(settings, as_institution, json_out)
    verifier = Verifier(reader, institution=as_institution)
    results = [verifier.verify(code.text) for code in found]
    if as_institution is not None:
        _trace(settings, as_institution, results)
    for r in results:
        if json_out:
            print(json.dumps(r.to_json(), ensure_ascii=False))
        else:
            render(r)
    worst = max((_EXIT[r.verdict] for r in results), default=EXIT_USAGE)
    raise typer.Exit(worst)


def _one_worker(sandbox: Any, data: bytes | str) -> Any:
    """A one-worker sandbox for an image or PDF (its budget as in the service), None for text."""
    return None if isinstance(data, str) else sandbox(workers=1)


def _check_as(settings: Any, institution: int, json_out: bool) -> None:
    """`--as` must name the institution whose account this verifier records with (exit 64 if not)."""
    from node.chain_accounts import institution_account
    from verifier.trace import WrongInstitution, check_institution_account

    try:
        from node.chain import connect
        from node.deploy import DeploymentRecord

        account = institution_account(settings, institution)
        consortium = DeploymentRecord.load(settings.deployment_file).addresses()["Consortium"]
        check_institution_account(connect(settings), consortium, account.address, institution)
    except WrongInstitution as exc:
        _usage_error(str(exc), "--as 与所配置的机构账户不一致。", json_out)
    except HpfNodeError as exc:
        err.print(f"[yellow]warning:[/] cannot check the institution account: {exc}", highlight=False)


def _trace(settings: Any, institution: int, results: list[VerificationResult]) -> None:
    try:
        from verifier.trace import record_verifications

        record_verifications(settings, institution, [r for r in results if r.digest])
    except (HpfNodeError, HpfVerifierError) as exc:
        err.print(f"[yellow]warning:[/] the access trace was not recorded: {exc}", highlight=False)


def _usage_error(message: str, message_zh: str | None, json_out: bool) -> None:
    if json_out:
        print(json.dumps({"error": message, "error_zh": message_zh}, ensure_ascii=False))
    else:
        err.print(f"[bold red]error:[/] {message_zh + ' ' if message_zh else ''}{message}", highlight=False)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default HPF_VERIFIER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default HPF_VERIFIER_PORT, 8600).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the verifier API (/v1/verify, /v1/verify/batch, /v1/blacklist/{subject}, /healthz,
    /docs) and the loan officers' web page at /."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "verifier.api.asgi:create_app",
        factory=True,
        host=host or settings.verifier_host,
        port=port or settings.verifier_port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
