"""``python -m backend migrate``: apply pending migrations to the configured database.
``python -m backend seed-catalogue``: publish the seed catalogue's items the catalogue lacks.
``python -m backend worker``: run the background jobs (the outbox's workers among them) without the
HTTP side, until SIGTERM or SIGINT — production's ``suqian worker``.
``python -m backend staff reset-password|unlock <username>``: the operator on the machine, locked out.

Every command reads the same settings as the server (``SUQIAN_*``): the embedded default's data folder
or PostgreSQL and Redis. Messages for the person at the terminal are plain lines; what a server or a
worker reports while running goes through logging (JSON lines, ``backend.observability.logs``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import msgspec

from backend.app import FEATURES
from backend.catalogue.feature import seed_catalogue
from backend.data_dir import DataDirInUse, hold
from backend.database import bind_engine, close_pool, migrate, open_pool
from backend.feature import feature_sections
from backend.observability.logs import configure_logging
from backend.outbox.settings import OutboxSettings
from backend.settings import Settings, SettingsError, load_settings
from backend.staff.errors import StaffNotFound
from backend.staff.service import StaffService
from backend.wiring import Wiring, piccolo_apps


async def _migrate(settings: Settings) -> None:
    engine = bind_engine(settings.database, piccolo_apps(FEATURES))
    await open_pool(engine, settings.database)
    try:
        done = await migrate()
    finally:
        await close_pool(engine)
    logging.getLogger("backend.database").info(
        done.summary(), extra={"applied": done.applied, "total": done.total}
    )


async def _seed(settings: Settings) -> None:
    wiring = Wiring(settings, FEATURES)
    await open_pool(wiring.infra.engine, settings.database)
    try:
        added = await seed_catalogue(wiring)
    finally:
        await close_pool(wiring.infra.engine)
    print(f"seed catalogue: {added} service items published")


async def _work(settings: Settings) -> None:
    # A worker process exists to run the outbox, whatever the API processes were told.
    section = settings.features.get("outbox")
    outbox = section if isinstance(section, OutboxSettings) else OutboxSettings()
    features = {**settings.features, "outbox": msgspec.structs.replace(outbox, in_process=True)}
    wiring = Wiring(msgspec.structs.replace(settings, features=features), FEATURES)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with wiring.lifespan():
        jobs = wiring.background.jobs if wiring.background else ()
        logging.getLogger("backend.worker").info("worker running %d jobs", len(jobs))
        await stop.wait()


async def _staff(settings: Settings, action: str, username: str) -> int:
    wiring = Wiring(settings, FEATURES)
    staff = wiring.get(StaffService)
    # The audit names the machine's user: whoever could read the data folder or the database URL.
    actor = f"system:cli:{getpass.getuser()}"
    await open_pool(wiring.infra.engine, settings.database)
    try:
        if action == "reset-password":
            password = await staff.reset_password_on_machine(username, actor=actor)
            print(f"new password for '{username.lower()}' (shown only this once): {password}")
            print("It must be changed at the next sign-in; every session of theirs has ended.")
        else:
            await staff.unlock_on_machine(username, actor=actor)
            print(f"'{username.lower()}' unlocked: login failures forgotten, authenticator codes accepted")
    except StaffNotFound:
        print(f"no staff account named '{username}'", file=sys.stderr)
        return 1
    finally:
        await wiring.infra.store.close()
        await close_pool(wiring.infra.engine)
    return 0


def add_commands(commands: Any) -> None:
    """The commands ``python -m backend`` and ``suqian`` share, on an argparse sub-parser action."""
    commands.add_parser("migrate", help="apply pending migrations and exit")
    commands.add_parser("seed-catalogue", help="publish the seed catalogue's items the catalogue lacks")
    commands.add_parser(
        "worker", help="run the background jobs (outbox delivery) without the HTTP side, until SIGTERM"
    )
    staff = commands.add_parser(
        "staff",
        help="reset a staff password or unlock an account, on the server's machine",
        description="For the operator on the machine, locked out of the API. The embedded default's "
        "server must be stopped first (its data folder has one owner); with PostgreSQL and Redis it "
        "may keep running. Both are audited.",
    )
    staff_commands = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    reset = staff_commands.add_parser(
        "reset-password",
        help="set a generated password (printed once, changed at the next sign-in) and unlock",
    )
    reset.add_argument("username")
    unlock = staff_commands.add_parser(
        "unlock", help="forget the account's login failures and its authenticator lock"
    )
    unlock.add_argument("username")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__.split("\n")[0])
    add_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def run(args: argparse.Namespace, *, holding_data_dir: bool = False) -> int:
    """Run a parsed shared command. ``holding_data_dir``: the caller (``suqian serve``) already holds
    the embedded data folder."""
    try:
        settings = load_settings(os.environ, sections=feature_sections(FEATURES))
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log.level)
    if args.command == "worker":
        if settings.mode == "embedded":
            # The embedded default runs its workers inside `suqian serve` (one process owns the data).
            print("the embedded default runs its workers in-process: `suqian serve`", file=sys.stderr)
            return 2
        asyncio.run(_work(settings))
        return 0
    # A migration, a seed or an account change under a running embedded server would change its data
    # mid-flight (and its in-process store would keep the login failures an unlock forgets).
    if settings.mode == "embedded" and not holding_data_dir and hold(settings.data_dir) is None:
        print(DataDirInUse(settings.data_dir), file=sys.stderr)
        return 2
    commands: dict[str, Callable[[], Coroutine[Any, Any, int | None]]] = {
        "migrate": lambda: _migrate(settings),
        "seed-catalogue": lambda: _seed(settings),
        "staff": lambda: _staff(settings, args.staff_command, args.username),
    }
    return asyncio.run(commands[args.command]()) or 0


def main(argv: list[str] | None = None, *, holding_data_dir: bool = False) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    return run(args, holding_data_dir=holding_data_dir)


if __name__ == "__main__":
    sys.exit(main())
