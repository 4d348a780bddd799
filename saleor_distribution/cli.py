"""The `saleor-distribution` console command.

    saleor-distribution serve [--host H] [--port P] [--workers N]   ASGI server (uvicorn)
    saleor-distribution migrate                                    apply database migrations
    saleor-distribution worker [celery worker options]             Celery worker
    saleor-distribution beat [celery beat options]                 Celery beat (periodic tasks)
    saleor-distribution check                                      check configuration
    saleor-distribution manifest-url                               print the URL to paste into Saleor
    saleor-distribution manage <django command> [...]              any Django management command
"""

from __future__ import annotations

import argparse
import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_distribution.settings")
    import django

    django.setup()


def _manage(argv: list[str]) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["saleor-distribution", *argv])
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    _setup_django()  # fail fast on bad configuration, before forking workers
    from saleor_distribution.saleor.manifest import manifest_url

    print(f"Manifest URL (paste into Saleor): {manifest_url()}", flush=True)
    uvicorn.run(
        "saleor_distribution.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        lifespan="off",
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        access_log=args.access_log,
    )
    return 0


def _celery(kind: str, extra: list[str]) -> int:
    _setup_django()
    from saleor_distribution.celery import app

    app.start(argv=[kind, *extra])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="saleor-distribution", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the ASGI server")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    serve.add_argument("--access-log", action="store_true")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("worker", help="run a Celery worker", add_help=False)
    sub.add_parser("beat", help="run Celery beat", add_help=False)
    sub.add_parser("check", help="check the configuration")
    sub.add_parser("manifest-url", help="print the manifest URL")
    sub.add_parser("manage", help="run a Django management command", add_help=False)

    if argv and argv[0] in ("worker", "beat", "manage"):
        command, rest = argv[0], argv[1:]
        if command == "manage":
            return _manage(rest)
        return _celery(command, rest)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "migrate":
        return _manage(["migrate", "--no-input"])
    if args.command == "check":
        return _manage(["check_config"])
    if args.command == "manifest-url":
        _setup_django()
        from saleor_distribution.saleor.manifest import manifest_url

        print(manifest_url())
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
