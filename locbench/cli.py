"""``locbench`` command line: one sub-command per module in :mod:`locbench.commands`.

Bad input never produces a traceback: :class:`annotations.InputError` and OS errors become one
line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from annotations.errors import InputError
from locbench import __version__
from locbench.commands import VERBS


def _command_modules():
    for verb in VERBS:
        name = "locbench.commands." + verb.replace("-", "_")
        if importlib.util.find_spec(name) is not None:
            yield verb, importlib.import_module(name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="locbench",
        description="Weakly supervised spatio-temporal action localization: train the attention model, "
                    "localize, and evaluate with the official protocols.")
    parser.add_argument("--version", action="version", version=f"locbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for verb, module in _command_modules():
        p = sub.add_parser(verb, help=module.HELP, description=module.__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except InputError as e:
        print(f"locbench {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as e:
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"locbench {args.command}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"locbench {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
