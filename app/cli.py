"""`gandan`: the command line for operators. Each subcommand has --help."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from tqdm import tqdm

from app.accounts.policy import Role
from app.platform.settings import SettingsError, get_settings


def _run(coroutine_factory):
    """Run database work with the PostgreSQL pool (when there is one) opened around it."""
    from app.platform import db

    async def main():
        await db.start_pool()
        try:
            return await coroutine_factory()
        finally:
            await db.close_pool()

    return asyncio.run(main())


def cmd_migrate(args) -> int:
    from app.platform import db

    asyncio.run(db.migrate(get_settings()))
    return 0


def cmd_import_units(args) -> int:
    from app.platform.tables import Ward
    from app.platform.units import import_units

    async def work():
        if args.if_empty and await Ward.count() > 0:
            print("Administrative units already loaded.")
            return None
        return await import_units(
            progress=lambda rows: tqdm(rows, desc="Wards", unit=" ward", disable=args.quiet)
        )

    result = _run(work)
    if result is not None:
        print(
            f"Provinces: {result.provinces_created} created, {result.provinces_updated} updated. "
            f"Wards: {result.wards_created} created, {result.wards_updated} updated."
        )
    return 0


def cmd_import_groups(args) -> int:
    from pathlib import Path

    from app.participation.groups import GroupImportError, import_groups, read_groups

    try:
        rows = read_groups(Path(args.file).read_text(encoding="utf-8"))
        stored = _run(lambda: import_groups(rows))
    except (OSError, UnicodeDecodeError) as error:
        print(f"gandan import-groups: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    except GroupImportError as error:
        print(f"gandan import-groups: {error}", file=sys.stderr)
        return 2
    wards = len({r.ward_code for r in rows})
    print(f"Residential groups imported: {stored.stored} in {wards} wards.")
    if stored.counted_by_register:
        print(f"{stored.counted_by_register} of them have a household register: their number of "
              "households follows the register, not the file.")  # fmt: skip
    return 0


def cmd_import_households(args) -> int:
    from pathlib import Path

    from app.participation.households import RegisterError, import_households, read_households

    try:
        rows = read_households(Path(args.file).read_text(encoding="utf-8"))
        stored = _run(lambda: import_households(None, rows))
    except (OSError, UnicodeDecodeError) as error:
        print(f"gandan import-households: cannot read {args.file}: {error}", file=sys.stderr)
        return 2
    except RegisterError as error:
        print(f"gandan import-households: {error}", file=sys.stderr)
        return 2
    groups = len({(r.ward_code, r.group) for r in rows})
    print(f"Households imported: {stored} in {groups} residential groups.")
    return 0


def cmd_import_boundaries(args) -> int:
    from pathlib import Path

    from app.platform.boundaries import BoundaryFileError, import_boundaries, read_features

    try:
        features = read_features(Path(args.file))
    except BoundaryFileError as error:
        print(f"gandan import-boundaries: {error}", file=sys.stderr)
        return 2
    result = _run(lambda: import_boundaries(
        features, progress=lambda f: tqdm(f, desc="Boundaries", unit=" ward", disable=args.quiet)
    ))  # fmt: skip
    for province, count in sorted(result.provinces.items()):
        print(f"  {province}: {count} wards")
    for problem in result.problems:
        print(f"  not matched: {problem}", file=sys.stderr)
    for overlap in result.overlaps:
        print(f"  overlap: {overlap}", file=sys.stderr)
    for ward in result.uncovered:
        print(f"  still without a boundary: {ward}", file=sys.stderr)
    print(
        f"Boundaries imported: {result.imported} wards in {len(result.provinces)} provinces; "
        f"not matched: {len(result.problems)}; overlapping pairs: {len(result.overlaps)}; "
        f"wards of those provinces still without a boundary: {len(result.uncovered)}."
    )
    return 0 if result.imported or not features else 1


def _print_demo_logins() -> None:
    from app.demo import DEMO_ACCOUNTS, DEMO_API_KEY, DEMO_PASSWORD

    print(f"\nDemo accounts (password: {DEMO_PASSWORD}):")
    for account in DEMO_ACCOUNTS:
        print(f"  {account.username:<18} {account.title}")
    print(f"Demo Open311 API key: {DEMO_API_KEY}")


def cmd_seed_demo(args) -> int:
    from app.demo import seed_demo
    from app.platform.photos import MediaStore
    from app.platform.tables import Report

    settings = get_settings()

    async def work():
        if args.if_empty and await Report.count() > 0:
            return None
        return await seed_demo(
            MediaStore(settings.media_dir),
            progress=lambda plan: tqdm(plan, desc="Demo reports", unit=" report", disable=args.quiet),
        )

    try:
        added = _run(work)
    except RuntimeError as error:
        print(f"gandan seed-demo: {error}", file=sys.stderr)
        return 1
    print("Demo data already present." if added is None else f"Demo reports added: {added}.")
    _print_demo_logins()
    return 0


def cmd_create_user(args) -> int:
    from app.accounts.people import UserError, create_staff_user
    from app.platform.i18n import current_language

    current_language.set("en")  # the command line speaks English, as its other messages do
    password = args.password or os.environ.get("GANDAN_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass("Password: ")
    try:
        _run(lambda: create_staff_user(
            args.username, password, display_name=args.name or args.username, title=args.title,
            role=args.role, ward_code=args.ward, province_code=args.province, is_admin=args.admin,
        ))  # fmt: skip
    except UserError as error:
        print(f"gandan create-user: {error}", file=sys.stderr)
        return 2
    print(f"Created {args.username}.")
    return 0


def cmd_sweep(args) -> int:
    from app.casework.sweep import sweep
    from app.participation.sweep import sweep_participation
    from app.platform.media_sweep import sweep_media
    from app.platform.photos import media_stores
    from app.platform.stores import purge_expired_sessions
    from app.transparency.queries import refresh_ward_indexes

    result = _run(sweep)
    print(f"Warned of deadlines: {result.warned}. Apology slips: {result.apologised}. "
          f"Closed after 7 days: {result.auto_closed}.")  # fmt: skip
    done = _run(lambda: sweep_participation(media_stores(get_settings())[0]))
    told = done.consultations
    print(f"Consultations announced: {told.opened}. Reminded before closing: {told.reminded}. "
          f"Late syntheses apologised for: {told.apologised}.")  # fmt: skip
    print(f"Proposals expired: {done.expired}. Proposal answers overdue: {done.proposals_overdue}. "
          f"Inspection answers overdue: {done.inspections_overdue}. "
          f"Household decisions closed: {done.decisions_closed}.")  # fmt: skip
    refreshed = _run(lambda: refresh_ward_indexes(progress=lambda wards: tqdm(
        wards, desc="Ward service indexes", unit=" ward", disable=args.quiet)))  # fmt: skip
    print(f"Ward service indexes recomputed: {refreshed}.")
    removed = _run(lambda: sweep_media(*media_stores(get_settings())))
    print(f"Media files no report or action uses, removed: {removed}.")
    _run(lambda: purge_expired_sessions(get_settings()))
    print("Expired sessions removed.")
    return 0


def cmd_create_api_key(args) -> int:
    from app.transparency.open311 import issue_key

    key = _run(lambda: issue_key(args.name))
    print(f"Open311 API key for {args.name} (shown once, keep it safe):\n{key}")
    return 0


def cmd_worker(args) -> int:
    from notifications.fcm import FirebaseSender
    from notifications.worker import run_forever

    settings = get_settings()
    if not settings.firebase_credentials:
        print("gandan worker: set FIREBASE_CREDENTIALS to a service-account file to send pushes",
              file=sys.stderr)  # fmt: skip
        return 2

    async def work():
        sender = FirebaseSender(settings.firebase_credentials, settings.fcm_url)
        try:
            await run_forever(sender, settings.public_url)
        finally:
            await sender.close()

    print("Delivering the outbox; Ctrl+C stops.")
    try:
        _run(work)
    except KeyboardInterrupt:
        pass
    return 0


def default_workers(redis_url: str | None, cores: int | None) -> tuple[int, str]:
    """How many Granian workers `gandan serve` starts when WORKERS is not set, and why."""
    if redis_url:
        return max(1, cores or 1), "one per core (REDIS_URL shares sessions, rate limits and live updates)"
    return 1, ("one: without REDIS_URL, rate limits and live updates live in the process, so a second "
               "worker would not see the first one's; set REDIS_URL (or WORKERS) for more")  # fmt: skip


def cmd_serve(args) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    workers = args.workers
    if workers is None:
        workers, why = default_workers(os.environ.get("REDIS_URL", "").strip() or None, os.cpu_count())
        print(f"Workers: {workers}, {why}.")
    print(f"Gần Dân on http://{args.host}:{args.port}/")
    Granian(
        "app.main:create_app",
        factory=True,
        interface=Interfaces.ASGI,
        address=args.host,
        port=args.port,
        workers=workers,
        log_access=True,
    ).serve()
    return 0


def cmd_backup(args) -> int:
    from app.platform.backup import BackupError, backup

    try:
        path = backup(get_settings(), args.output)
    except BackupError as error:
        print(f"gandan backup: {error}", file=sys.stderr)
        return 1
    print(f"Backup written to {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gandan", description="Gần Dân operator commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the web application with Granian")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    workers = os.environ.get("WORKERS", "").strip()
    serve.add_argument("--workers", type=int, default=int(workers) if workers else None,
                       help="Granian worker processes (default: WORKERS, else cores with REDIS_URL, else 1)")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    units = sub.add_parser("import-units", help="load the 34 provinces and 3,321 wards (offline)")
    units.add_argument("--if-empty", action="store_true", help="do nothing when wards exist")
    units.add_argument("--quiet", action="store_true", help="no progress bar")
    units.set_defaults(func=cmd_import_units)

    bounds = sub.add_parser("import-boundaries",
                            help="load ward polygons from a GeoJSON FeatureCollection")  # fmt: skip
    bounds.add_argument("file", help="GeoJSON (or .geojson.gz) with a ward code property on each feature")
    bounds.add_argument("--quiet", action="store_true", help="no progress bar")
    bounds.set_defaults(func=cmd_import_boundaries)

    groups = sub.add_parser("import-groups", help="load residential groups (thôn, tổ dân phố) from a CSV")
    groups.add_argument("file", help="CSV with the columns ward_code, name, kind (to_dan_pho|thon), "
                        "households")
    groups.set_defaults(func=cmd_import_groups)

    register = sub.add_parser("import-households", help="load the household register of groups from a CSV")
    register.add_argument("file", help="CSV with the columns ward_code, group, household (a label such "
                          "as a house number: no names, no ID numbers)")  # fmt: skip
    register.set_defaults(func=cmd_import_households)

    demo = sub.add_parser("seed-demo", help="load demo accounts and reports (idempotent)")
    demo.add_argument("--if-empty", action="store_true", help="do nothing when reports exist")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=cmd_seed_demo)

    user = sub.add_parser("create-user", help="create a staff account")
    user.add_argument("username")
    user.add_argument("--password", help="else $GANDAN_PASSWORD, else asked for")
    user.add_argument("--name", help="display name")
    user.add_argument("--title", default="", help="job title, e.g. Chủ tịch UBND phường")
    user.add_argument("--role", choices=[str(role) for role in Role])
    user.add_argument("--ward", help="ward code for ward roles, e.g. 11446")
    user.add_argument("--province", help="province code for province_supervisor, e.g. 31")
    user.add_argument("--admin", action="store_true", help="administrator of the installation")
    user.set_defaults(func=cmd_create_user)

    api_key = sub.add_parser("create-api-key", help="issue an Open311 API key to a partner")
    api_key.add_argument("name", help="who the key is for")
    api_key.set_defaults(func=cmd_create_api_key)

    sub.add_parser("worker", help="deliver the outbox (push notifications) until stopped"
                   ).set_defaults(func=cmd_worker)  # fmt: skip

    sweep = sub.add_parser("sweep", help="deadlines, apologies, closing, consultations, ward indexes, media, "
                                         "sessions (cron)")  # fmt: skip
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(func=cmd_sweep)

    bak = sub.add_parser("backup", help="write a consistent copy of the database")
    bak.add_argument("--output", help="file to write (default: var/backups/...)")
    bak.set_defaults(func=cmd_backup)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"gandan: configuration error: {error}", file=sys.stderr)
        return 2
    from app.platform.i18n import use_default_language

    use_default_language(settings.default_language)  # what the sweep writes on the record
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
