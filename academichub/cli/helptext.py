"""How ``--help`` names a value, and how a usage error is told.

Typer shows a parameter's Python type where a value goes (``<str>``, ``<path>``, ``<bool>`` for a flag)
and a required argument as ``{email}``. Every value-taking option therefore declares a metavar from the
names below (``EMAIL``, ``FILE``, ``YYYY-MM-DD``, …), and :func:`named` fixes the rest on the command
tree before it runs: a flag shows no value, an argument shows its metavar (``EMAIL``, ``[EMAIL]`` when
optional) and no type, and a docstring's line breaks inside a paragraph are joined (rich keeps them, so
a sentence was cut where the source line ended). tests/test_cli_help.py walks the tree and fails on any
placeholder left.

:func:`usage_error` prints a usage error as one line the terminal wraps (typer draws a panel cut at 80
columns)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from typer.core import TyperArgument

if TYPE_CHECKING:
    import typer

# What a value is, as --help names it.
EMAIL = "EMAIL"
EMAILS = "EMAIL..."
FILE = "FILE"
PATH = "PATH"  # a file or a folder
DATE = "YYYY-MM-DD"
TEXT = "TEXT"
LIST = "A,B,…"  # comma-separated
LANG_ZH_EN = "zh|en"
LANG_ANY = "zh|en|bilingual"
TIMEZONE = "AREA/CITY"
HOUR = "0-23"
COUNT = "N"
TOP = "K"
FREQUENCY = "daily|weekly"
WEEKDAY = "mon..sun"
EMPTY_DAY = "short|none"
URL = "URL"
HOST = "HOST"
PORT = "PORT"
NAME = "NAME"
ID = "ID"
PAPER_ID = "PAPER_ID"


class NamedArgument(TyperArgument):
    """An argument shown by its metavar alone: ``EMAIL`` in the table and ``EMAIL`` / ``[EMAIL]`` in
    the usage line, instead of ``email <str>`` and ``{email}``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required else f"[{name}]"

    def _rich_display_name(self) -> str:
        return self.display_name_raw


_LINE_BREAK = re.compile(r"(?<!\n)[ \t]*\n[ \t]*(?!\n)")


def unwrap(text: str | None) -> str | None:
    """A help text's paragraphs each on one line (a blank line still separates two)."""
    if text is None:
        return None
    return _LINE_BREAK.sub(" ", text.strip())


def _commands(command: Any) -> list[Any]:
    out = [command]
    for sub in getattr(command, "commands", {}).values():
        out.extend(_commands(sub))
    return out


def named(app: typer.Typer) -> Any:
    """The app's command tree as ``--help`` should show it (see the module's docstring)."""
    import typer

    root = typer.main.get_command(app)
    for command in _commands(root):
        command.help = unwrap(command.help)
        command.short_help = unwrap(command.short_help)
        params = list(command.params)
        # The root's help option names (-h, --help), which every command's context inherits: click keeps
        # the help option it builds first, so it is built here with them.
        help_names = (root.context_settings or {}).get("help_option_names", ["--help"])
        help_option = command.get_help_option(typer.Context(command, help_option_names=help_names))
        if help_option is not None:
            params.append(help_option)
        for param in params:
            param.help = unwrap(getattr(param, "help", None))
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""  # a flag takes no value
            if type(param) is TyperArgument:
                if param.metavar is None:
                    param.metavar = param.name.upper()
                param.__class__ = NamedArgument
    return root


def usage_error(exc: Any) -> None:
    """A usage error: the usage line, where help is, and the message on one line (exit status 2)."""
    from rich.markup import escape

    from academichub.cli.common import err

    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        err.print(ctx.get_usage(), markup=False, highlight=False)
        if ctx.command.get_help_option(ctx) is not None:
            names = ctx.help_option_names
            shown = "--help" if "--help" in names else names[0]  # the long name says what it does
            err.print(f"Try '{ctx.command_path} {shown}' for help.", markup=False, highlight=False)
    err.print(f"[bold red]error:[/bold red] {escape(exc.format_message())}", highlight=False)
