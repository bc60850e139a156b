"""flask --app fieldapp <command>: import-areas, seed-demo, create-admin, backup, restore, purge-personal-data."""
import click
from flask import Flask
from sqlalchemy import func, select

from .areas.operations import import_areas
from .backup import BackupError, backup, default_name, prune, restore
from .campaigns.operations import freeze_ended
from .demo import DEMO_PASSWORD, DEMO_SIGN_INS, seed_demo
from .extensions import db
from .forms import PHONE_RE, normalize_phone
from .integrations.webhooks import deliver_due
from .jobs.worker import run_worker
from .models import Role, User
from .passwords import hash_password, password_problem
from .privacy.operations import purge_personal_data
from .rules import RuleError
from .tallies.operations import rebuild_counters


def init_app(app: Flask) -> None:
    app.cli.add_command(import_areas_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(purge_personal_data_command)
    app.cli.add_command(rebuild_tallies_command)
    app.cli.add_command(freeze_campaigns_command)
    app.cli.add_command(deliver_webhooks_command)
    app.cli.add_command(worker_command)


@click.command("import-areas")
@click.option("--province", help='One province, e.g. "Gia Lai"; all 34 when left out.')
def import_areas_command(province: str | None) -> None:
    """Import provinces and communes from the official post-2025 list."""
    try:
        added, updated = import_areas(province)
    except RuleError as err:
        raise click.ClickException(err.message) from None
    db.session.commit()
    click.echo(f"Đã thêm {added}, cập nhật {updated} đơn vị hành chính.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo commune (Xã Tuy Phước, Gia Lai) with teams, households and visits."""
    has_users = db.session.scalar(select(func.count()).select_from(User))
    if has_users and if_empty:
        click.echo("Cơ sở dữ liệu đã có dữ liệu; bỏ qua dữ liệu mẫu.")
    elif has_users:
        raise click.ClickException("Cơ sở dữ liệu đã có người dùng; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống.")
    else:
        stats = seed_demo()
        click.echo(f"Đã nạp dữ liệu mẫu: {stats['households']} hộ, {stats['visits']} lượt thăm, "
                   f"{stats['users']} tài khoản.")
    click.echo(f"Tài khoản mẫu (mật khẩu {DEMO_PASSWORD}):")
    for phone, role in DEMO_SIGN_INS:
        click.echo(f"  {phone}  {role}")


@click.command("create-admin")
@click.option("--phone", prompt="Số điện thoại")
@click.option("--name", prompt="Họ tên")
@click.password_option(prompt="Mật khẩu")
def create_admin_command(phone: str, name: str, password: str) -> None:
    """Create an administrator account."""
    phone = normalize_phone(phone)
    if not PHONE_RE.match(phone):
        raise click.ClickException("Số điện thoại gồm 10 chữ số và bắt đầu bằng 0.")
    if problem := password_problem(password, phone=phone):
        raise click.ClickException(problem)
    if db.session.scalar(select(User.id).where(User.phone == phone)):
        raise click.ClickException("Số điện thoại này đã có tài khoản.")
    db.session.add(User(phone=phone, name=name.strip(), password_hash=hash_password(password), role=Role.ADMIN))
    db.session.commit()
    click.echo(f"Đã tạo tài khoản quản trị {phone}.")


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False), help="Backup file; default instance/backups/fieldapp-<time>.")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Folder for fieldapp-<time>.dump|.sqlite.")
@click.option("--keep-days", type=click.IntRange(1, 3650), default=None,
              help="Then delete fieldapp-* backups older than this many days in the same folder.")
def backup_command(output: str | None, output_dir: str | None, keep_days: int | None) -> None:
    """Back up the database while the app runs (SQLite backup API, or pg_dump for PostgreSQL)."""
    from datetime import datetime
    from pathlib import Path

    from flask import current_app
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not inspect(db.engine).get_table_names():
        raise click.ClickException("Cơ sở dữ liệu này không có bảng nào: không sao lưu (kiểm tra DATABASE_URL "
                                   "và tệp cấu hình, xem dòng «fieldapp: database …» ở trên).")
    if output is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = Path(output_dir) if output_dir else Path(current_app.instance_path) / "backups"
        output = str(folder / default_name(make_url(url), stamp))
    try:
        path = backup(url, Path(output))
    except BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Đã sao lưu vào {path}")
    if keep_days:
        removed = prune(path.parent, keep_days, keep=path)
        click.echo(f"Đã xóa {len(removed)} bản sao lưu cũ hơn {keep_days} ngày.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the whole database by a backup made with `backup`."""
    from pathlib import Path

    from flask import current_app

    if not yes:
        click.confirm("Toàn bộ dữ liệu hiện tại sẽ bị thay bằng bản sao lưu. Tiếp tục?", abort=True)
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(path))
    except BackupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Đã khôi phục từ {path}")


@click.command("purge-personal-data")
@click.option("--months", type=click.IntRange(1, 1200), default=None,
              help="Households not visited for this many months (default PERSONAL_DATA_RETENTION_MONTHS).")
def purge_personal_data_command(months: int | None) -> None:
    """Erase names, phones and notes of households not visited for a long time (counts stay)."""
    from flask import current_app

    months = months or current_app.config["PERSONAL_DATA_RETENTION_MONTHS"]
    count = purge_personal_data(months)
    db.session.commit()
    click.echo(f"Đã xóa thông tin cá nhân của {count} hộ không được thăm trong {months} tháng.")
@click.command("rebuild-tallies")
def rebuild_tallies_command() -> None:
    """Recompute every tally counter from the households and visits."""
    stats = rebuild_counters()
    db.session.commit()
    click.echo(f"Đã tính lại số liệu: {stats['day_rows']} dòng theo ngày, {stats['total_rows']} dòng tổng.")


@click.command("freeze-campaigns")
def freeze_campaigns_command() -> None:
    """Freeze the results of every ended campaign (for a daily cron job)."""
    n = freeze_ended()
    db.session.commit()
    click.echo(f"Đã chốt kết quả {n} đợt thi đua.")


@click.command("deliver-webhooks")
def deliver_webhooks_command() -> None:
    """Send the webhook deliveries that are due, retrying failures with backoff (a timer, every minute)."""
    stats = deliver_due()
    click.echo(f"Webhook: đã gửi {stats['delivered']}, sẽ gửi lại {stats['retry']}, bỏ {stats['failed']}.")


@click.command("worker")
def worker_command() -> None:
    """Run the background jobs (imports, large exports, rebuilds) until stopped (SIGTERM or Ctrl-C).

    A job cut off by the stop is run again by the next worker that starts (fieldapp/jobs/worker.py)."""
    import os
    import signal
    import threading

    from flask import current_app

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_a: stop.set())
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's real app
    click.echo("fieldapp worker: started", err=True)
    run_worker(app, stop, concurrency=app.config["JOBS_CONCURRENCY"])
    click.echo("fieldapp worker: stopped", err=True)
    os._exit(0)  # a job cut off mid-way is not waited for: it is run again at the next start
