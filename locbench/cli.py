"""``locbench`` command line: one sub-command per module in :mod:`locbench.commands`.

Bad input never produces a traceback: :class:`annotations.InputError` and OS errors become one
line on stderr and exit status 2. Library messages name Python parameters (``unknown_videos='fp'``);
:func:`translate_message` rewrites them into the verb's flags (``--unknown-videos fp``). A closed
pipe (``locbench eval-temporal ... | head``) ends quietly: files are written before tables are printed.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import re
import sys
import warnings

from annotations.errors import InputError
from locbench import __version__
from locbench.commands import VERBS


def _command_modules():
    for verb in VERBS:
        name = "locbench.commands." + verb.replace("-", "_")
        if importlib.util.find_spec(name) is not None:
            yield verb, importlib.import_module(name)


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Module docstrings as written, and every option's default in its help."""

    def _get_help_string(self, action):
        text = action.help or ""
        if ("%(default)" in text or _no_default(action) or not action.option_strings
                or ("default" in text and str(action.default) in text)):
            return action.help
        return (text + " " if text.strip() else "") + "(default: %(default)s)"


def _no_default(action: argparse.Action) -> bool:
    return action.default is None or isinstance(action.default, bool) or action.default == argparse.SUPPRESS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="locbench",
        description="Weakly supervised spatio-temporal action localization: train the attention model, "
                    "localize, and evaluate with the official protocols.")
    parser.add_argument("--version", action="version", version=f"locbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for verb, module in _command_modules():
        p = sub.add_parser(verb, help=module.HELP, description=module.__doc__,
                           formatter_class=HelpFormatter)
        module.add_arguments(p)
        for action in p._actions:  # an option without help text would hide its default
            if not action.help and action.option_strings and not _no_default(action):
                action.help = "(default: %(default)s)"
        p.set_defaults(_run=module.run)
    return parser


_PARAM_VALUE = re.compile(r"\b([a-z][a-z0-9_]*)=(?:'([^']*)'|\"([^\"]*)\"|([A-Za-z0-9_.,:/+*-]+))")


def _flags_by_dest(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """dest -> its visible option (the first long option string is the flag)."""
    flags = {}
    for action in parser._actions:
        longs = [o for o in action.option_strings if o.startswith("--")]
        if longs and action.help != argparse.SUPPRESS and action.dest not in flags:
            flags[action.dest] = action
    return flags


def _flag_of(flags: dict, param: str):
    """The action for a Python parameter: same name, or its singular (``names`` -> ``--name``)."""
    return flags.get(param) or (flags.get(param[:-1]) if param.endswith("s") else None)


def translate_message(error: InputError, parser: argparse.ArgumentParser | None) -> str:
    """The error as one line in the CLI's words: ``param='value'`` → ``--param value`` (``--flag``
    alone for a switch set to True) and a ``where`` that names a parameter → its flag, for every
    ``param`` that is a dest of the verb's parser.

    >>> p = argparse.ArgumentParser(); _ = p.add_argument("--unknown-videos"); _ = p.add_argument("--name")
    >>> _ = p.add_argument("--overwrite", action="store_true")
    >>> translate_message(InputError("d.txt", None, "set unknown_videos='fp' to count them"), p)
    'd.txt: set --unknown-videos fp to count them'
    >>> translate_message(InputError(None, "names", "pass overwrite=True, or other=1"), p)
    '--name: pass --overwrite, or other=1'
    """
    if parser is None:
        return str(error)
    flags = _flags_by_dest(parser)

    def value(m):
        action = _flag_of(flags, m.group(1))
        if action is None:
            return m.group(0)
        flag = next(o for o in action.option_strings if o.startswith("--"))
        val = next(g for g in m.groups()[1:] if g is not None)
        tail = ""
        if m.group(4) is not None:  # unquoted: sentence punctuation after it is not part of the value
            stripped = val.rstrip(".,;:")
            val, tail = stripped, val[len(stripped):]
        if action.nargs == 0:  # a switch: overwrite=True -> --overwrite
            return flag + tail if val == str(not action.default) else m.group(0)
        return f"{flag} {val}{tail}"

    problem = _PARAM_VALUE.sub(value, error.problem)
    where = error.where
    if where and _flag_of(flags, where) is not None:
        where = next(o for o in _flag_of(flags, where).option_strings if o.startswith("--"))
    return ": ".join([p for p in (error.path, where) if p] + [problem])


def _subparser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return action.choices[command]
    return None


def _quiet_broken_pipe() -> int:
    """stdout's reader went away (``| head``): stop printing, without a traceback at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return 0


#: modules of the ``model`` extra (pyproject.toml): torch, torchvision, OpenCV
_MODEL_EXTRA = ("torch", "torchvision", "cv2")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            # said once as a note under the table (and in metrics.json), not as a Python warning per call
            from locbench.localization import LocalizationWarning
            warnings.simplefilter("ignore", LocalizationWarning)
            return int(args._run(args) or 0)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except ImportError as e:
        missing = (getattr(e, "name", None) or "").split(".")[0]
        if missing not in _MODEL_EXTRA:
            raise
        print(f"locbench {args.command}: error: this needs {missing}, which the base install leaves out; "
              "install the model extra: pip install 'locbench[model]'", file=sys.stderr)
        return 2
    except InputError as e:
        print(f"locbench {args.command}: error: {translate_message(e, _subparser(parser, args.command))}",
              file=sys.stderr)
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
