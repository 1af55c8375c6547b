"""`hpf blacklist …`: list, lift, check and import blacklist entries for a fund centre."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from issuer.blacklist import REASONS, BlacklistService, open_service
from issuer.cli import _Command
from issuer.errors import HpfIssuerError
from issuer.settings import get_issuer_settings
from node.errors import HpfNodeError
from node.settings import get_settings

app = typer.Typer(
    help="The shared blacklist (失信黑名单): add, appeal, confirm, lift, check, import, stats. Nothing personal goes on chain.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)
P = ParamSpec("P")
R = TypeVar("R")

Centre = Annotated[int, typer.Option("--centre", help="Your centre's code, e.g. 460100.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _errors(fn: Callable[P, R]) -> Callable[P, R]:
    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except HpfIssuerError as exc:
            err.print(f"[bold red]error:[/] {exc.message_zh + ' ' if exc.message_zh else ''}{exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except HpfNodeError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def _service(centre: int, *, trace: bool = True) -> BlacklistService:
    key = get_issuer_settings().consortium_key_bytes()
    return open_service(get_settings(), centre, key, trace=trace)


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


@app.command(cls=_Command)
@_errors
def add(
    centre: Centre,
    id_number: Annotated[str, typer.Option("--id", help="Resident ID number (18 digits, or 15 legacy).")],
    reason: Annotated[str, typer.Option(help="One of: " + ", ".join(REASONS))],
    years: Annotated[int, typer.Option(help="3 to 5.")],
    evidence: Annotated[Path | None, typer.Option(help="The case file; kept by the centre, its hash on chain.")] = None,
    note: Annotated[str, typer.Option(help="A note kept in the case file.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """List a person for your centre (validated before anything is sent; nothing personal on chain)."""
    listed = _service(centre, trace=False).add(id_number, reason, years, evidence=evidence, note=note)
    info = {"entry_id": listed.entry_id, "subject": "0x" + listed.subject.hex(), "expires_at": listed.expires_at,
            "case_hash": "0x" + listed.case_hash.hex()}
    if json_out:
        print(json.dumps(info))
    else:
        out.print(f"已列入黑名单 listed: entry {listed.entry_id}, expires {_date(listed.expires_at)}")


def _appeal_step(centre: int, fn: Callable[..., str], entry_id: int, **kwargs: Any) -> str:
    from issuer.cli import _open_centre
    from issuer.governance import cli_actor

    service = _service(centre, trace=False)
    engine = _open_centre(centre)[0]
    try:
        return fn(service, engine, entry_id, actor=cli_actor(), **kwargs)
    finally:
        engine.dispose()


@app.command(cls=_Command)
@_errors
def lift(
    centre: Centre,
    entry_id: Annotated[int, typer.Argument(help="The entry id (from add, check or stats).")],
    reason: Annotated[str, typer.Option(help="A code: appeal-upheld, listed-in-error, settled, court-order, other.")],
    note: Annotated[str, typer.Option(help="Free text, kept in your centre's database; only its hash goes on chain.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Lift an entry your centre listed, with a reason code (解除)."""
    from issuer import appeals

    tx = _appeal_step(centre, appeals.lift, entry_id, reason=reason, note=note)
    if json_out:
        print(json.dumps({"entry_id": entry_id, "lifted": True, "tx": tx}))
    else:
        out.print(f"已解除 lifted: entry {entry_id}")


@app.command(cls=_Command)
@_errors
def appeal(
    centre: Centre,
    entry_id: Annotated[int, typer.Argument(help="The entry id.")],
    note: Annotated[str, typer.Option(help="The appeal's grounds; kept in your centre's database, never on chain.")],
    json_out: JsonOpt = False,
) -> None:
    """Mark an entry your centre listed as under appeal (申诉中): it still counts, flagged."""
    from issuer import appeals

    tx = _appeal_step(centre, appeals.appeal, entry_id, note=note)
    if json_out:
        print(json.dumps({"entry_id": entry_id, "under_appeal": True, "tx": tx}))
    else:
        out.print(f"申诉中 under appeal: entry {entry_id}")


@app.command(cls=_Command)
@_errors
def confirm(
    centre: Centre,
    entry_id: Annotated[int, typer.Argument(help="The entry id.")],
    note: Annotated[str, typer.Option(help="Why the appeal failed; kept in your centre's database.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """The appeal failed: the entry is listed again (维持)."""
    from issuer import appeals

    tx = _appeal_step(centre, appeals.confirm, entry_id, note=note)
    if json_out:
        print(json.dumps({"entry_id": entry_id, "under_appeal": False, "tx": tx}))
    else:
        out.print(f"已维持 confirmed: entry {entry_id}")


@app.command(cls=_Command)
@_errors
def check(
    centre: Centre,
    id_number: Annotated[str | None, typer.Argument(metavar="ID", help="The ID number to check.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="A CSV of ID numbers to check at once.")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Result CSV for --file (default: <file>.result.csv).")] = None,
    direct: Annotated[bool, typer.Option("--direct", help="Read the chain instead of the local index.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Every active entry of a person across all centres. Exit 0 clear, 1 listed (for --file: 1 if
    anyone is listed), 2 could not check (chain or index unavailable), 64 bad input. Each check is
    recorded on chain (AccessTrace)."""
    if (id_number is None) == (file is None):
        err.print("error: give one ID number, or --file ids.csv")
        raise typer.Exit(64)
    try:
        _check(centre, id_number, file, out_file, direct, json_out)
    except HpfIssuerError as exc:
        if exc.exit_code == 64:
            raise
        _could_not_check(str(exc), exc.message_zh, json_out)
    except (HpfNodeError, ConnectionError, TimeoutError, OSError) as exc:
        _could_not_check(str(exc), None, json_out)
    except Exception as exc:  # web3 / requests failures of a chain that is down
        if type(exc).__module__.split(".")[0] not in ("web3", "requests", "urllib3", "eth_utils"):
            raise
        _could_not_check(f"{type(exc).__name__}: {exc}", None, json_out)


def _could_not_check(message: str, message_zh: str | None, json_out: bool) -> None:
    """Exit 2: nothing can be said of the person (never 1, which means listed)."""
    if json_out:
        print(json.dumps({"checked": False, "listed": None, "error": message, "error_zh": message_zh},
                         ensure_ascii=False))
    err.print(f"[bold yellow]could not check:[/] {message_zh + ' ' if message_zh else '未能查询黑名单。'}{message}",
              highlight=False)
    raise typer.Exit(2)


def _check(centre: int, id_number: str | None, file: Path | None, out_file: Path | None, direct: bool,
           json_out: bool) -> None:
    if id_number is not None:
        from issuer.ids import normalise_id

        normalise_id(id_number)
    service = _service(centre)
    if file is not None:
        target = out_file or file.with_suffix(".result.csv")
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("checking", total=None)
            summary = service.check_file(file, target, progress=lambda n, total: bar.update(task, completed=n, total=total))
        if json_out:
            print(json.dumps({**summary, "result_file": str(target)}))
        else:
            out.print(f"{summary['rows']} rows: {summary['listed']} listed, {summary['clear']} clear, "
                      f"{summary['invalid']} invalid → {target}")
        raise typer.Exit(1 if summary["listed"] else 0)
    assert id_number is not None
    result = service.check(id_number, direct=direct)
    if json_out:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        where = "chain" if result.source == "chain" else f"index at block {result.index_block}, {result.behind} behind the chain"
        if result.listed:
            table = Table("entry", "centre", "reason", "listed", "expires", "appeal")
            for e in result.entries:
                table.add_row(str(e["id"]), str(e["centre"]), e["reason_zh"], _date(e["listed_at"]), _date(e["expires_at"]),
                              "申诉中" if e["under_appeal"] else "")
            out.print(f"[bold red]已列入黑名单[/] {result.id_masked} (listed) — {where}")
            out.print(table)
        else:
            out.print(f"未列入黑名单 {result.id_masked} (clear) — {where}")
    raise typer.Exit(1 if result.listed else 0)


@app.command("import", cls=_Command)
@_errors
def import_(
    centre: Centre,
    entries: Annotated[Path, typer.Argument(help="CSV with columns id_number, reason, years[, note].")],
    json_out: JsonOpt = False,
) -> None:
    """Import your centre's existing list; every row validated first; a rerun adds nothing."""
    service = _service(centre, trace=False)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("listing", total=None)
        report = service.import_entries(entries, progress=lambda n, total: bar.update(task, completed=n, total=total))
    if json_out:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    elif report.rejected:
        for r in report.rejected:
            err.print(f"row {r['row']}: {r['error_zh'] or ''} {r['error']}", highlight=False)
        err.print(f"[bold red]{len(report.rejected)} rows rejected; nothing was listed.[/]")
    else:
        out.print(f"listed {report.listed}, already listed {report.already}")
    raise typer.Exit(1 if report.rejected else 0)


@app.command(cls=_Command)
@_errors
def stats(
    centre: Centre,
    soon: Annotated[int, typer.Option(help="Days ahead for 'expiring soon'.")] = 90,
    json_out: JsonOpt = False,
) -> None:
    """Active entries by centre and by reason, open appeals and their age, and those expiring soon."""
    s = _service(centre, trace=False).statistics(soon_days=soon)
    if json_out:
        print(json.dumps(s))
        return
    out.print("by centre: " + ", ".join(f"{c} {n}" for c, n in s["by_centre"].items()))
    out.print("by reason: " + ", ".join(f"{r} {n}" for r, n in s["by_reason"].items()))
    out.print(f"under appeal {s['under_appeal']}, lifted {s['lifted']}, expiring within {soon} days "
              f"{len(s['expiring_soon'])}")
    for a in s.get("open_appeals", []):
        age = f"{a['age_days']} days" if a["age_days"] is not None else "age unknown"
        out.print(f"  申诉中 entry {a['id']} (centre {a['centre']}): open {age}")
