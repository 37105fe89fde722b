"""``flask credit …``: import records, end publication at the maximum period, export results."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.credit import services
from portal.credit.exports import results_csv, results_json
from portal.credit.imports import ImportMode, import_records
from portal.credit.notices import notices_for_ids
from portal.credit.rules import CreditRules
from portal.extensions import db

credit_cli = AppGroup("credit", help="Credit records: import, expiry, repair results.")


@credit_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice([mode.value for mode in ImportMode]),
              default=ImportMode.ALL.value, show_default=True,
              help="all: nothing unless every row is valid; valid: import the valid rows.")
def import_command(path: Path, mode: str) -> None:
    """Import penalty records from a CSV (UTF-8 or GBK) or XLSX file, with a progress bar."""
    data = path.read_bytes()
    today, now = local_today(), utcnow()
    with force_locale("zh_Hans_CN"), click.progressbar(
            length=1, label="Checking and importing rows", file=sys.stderr) as bar:
        def started(total: int) -> None:
            bar.length = max(total, 1)

        def progress(rows: int) -> None:
            bar.update(rows)

        report = import_records(db.session, data, mode=ImportMode(mode), actor=None,
                                today=today, now=now,
                                credit_rules=CreditRules.from_config(current_app.config),
                                filename=path.name, progress=progress,
                                started=started)
        if report.file_error is not None:
            db.session.rollback()
            click.echo(f"Refused: {report.file_error}", err=True)
            sys.exit(1)
        notices = notices_for_ids(db.session, report.record_ids, today=today, now=now)
        db.session.commit()
        for error in report.errors[:200]:
            click.echo(f"row {error.row}\t{error.column_label() or '—'}\t{error.message}",
                       err=True)
    if len(report.errors) > 200:
        click.echo(f"… and {len(report.errors) - 200} more errors.", err=True)
    click.echo(f"{report.rows} rows read, {report.imported} imported, "
               f"{report.rows_with_errors} with errors; {notices} repair notices sent.")
    if report.errors and mode == ImportMode.ALL.value:
        click.echo("Nothing was imported (mode all).", err=True)
        sys.exit(1)


@credit_cli.command("expire")
def expire_command() -> None:
    """End the publication of records past their maximum period (idempotent; for cron)."""
    count = services.expire_records(db.session, today=local_today(), now=utcnow())
    db.session.commit()
    click.echo(f"Publication ended for {count} records at their maximum period.")


@credit_cli.command("export")
@click.option("--format", "output_format", type=click.Choice(["csv", "json"]), default="json",
              show_default=True)
def export_command(output_format: str) -> None:
    """Write the decided repair applications to standard output (see the README)."""
    rows = services.repair_results(db.session)
    if output_format == "csv":
        click.echo(results_csv(rows), nl=False)
    else:
        click.echo(json.dumps(results_json(rows), ensure_ascii=False, indent=2))
