"""flask --app fieldapp <command>: import-areas, seed-demo, create-admin."""
import click
from flask import Flask
from sqlalchemy import func, select

from .extensions import db
from .rules import RuleError


def init_app(app: Flask) -> None:
    app.cli.add_command(import_areas_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(rebuild_tallies_command)
    app.cli.add_command(freeze_campaigns_command)


@click.command("import-areas")
@click.option("--province", help='One province, e.g. "Gia Lai"; all 34 when left out.')
def import_areas_command(province: str | None) -> None:
    """Import provinces and communes from the official post-2025 list."""
    from .areas.operations import import_areas
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
    from .demo import DEMO_PASSWORD, DEMO_SIGN_INS, seed_demo
    from .models import User
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
    from .forms import PHONE_RE, normalize_phone
    from .models import Role, User
    from .passwords import hash_password
    phone = normalize_phone(phone)
    if not PHONE_RE.match(phone):
        raise click.ClickException("Số điện thoại gồm 10 chữ số và bắt đầu bằng 0.")
    if len(password) < 8:
        raise click.ClickException("Mật khẩu cần ít nhất 8 ký tự.")
    if db.session.scalar(select(User.id).where(User.phone == phone)):
        raise click.ClickException("Số điện thoại này đã có tài khoản.")
    db.session.add(User(phone=phone, name=name.strip(), password_hash=hash_password(password), role=Role.ADMIN))
    db.session.commit()
    click.echo(f"Đã tạo tài khoản quản trị {phone}.")


@click.command("rebuild-tallies")
def rebuild_tallies_command() -> None:
    """Recompute every tally counter from the households and visits."""
    from .tallies.operations import rebuild_counters
    stats = rebuild_counters()
    db.session.commit()
    click.echo(f"Đã tính lại số liệu: {stats['day_rows']} dòng theo ngày, {stats['total_rows']} dòng tổng.")


@click.command("freeze-campaigns")
def freeze_campaigns_command() -> None:
    """Freeze the results of every ended campaign (for a daily cron job)."""
    from .campaigns.operations import freeze_ended
    n = freeze_ended()
    db.session.commit()
    click.echo(f"Đã chốt kết quả {n} đợt thi đua.")
