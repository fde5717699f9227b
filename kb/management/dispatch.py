"""One management command per app (`kb`, `onboarding`) with subcommands.

Each subcommand is a module in <app>/management/subcommands/ that defines
`help`, `add_arguments(parser)` and `handle(command, **options)`; the module
name is the subcommand name (`reindex` -> `manage.py kb reindex`). Adding a
subcommand is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from django.core.management.base import BaseCommand, CommandParser


class SubcommandDispatcher(BaseCommand):
    subcommand_package: str = ""

    def _subcommands(self) -> dict[str, ModuleType]:
        package = importlib.import_module(self.subcommand_package)
        return {
            info.name: importlib.import_module(f"{self.subcommand_package}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)
            if not info.name.startswith("_")
        }

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        for name, module in sorted(self._subcommands().items()):
            module.add_arguments(subparsers.add_parser(name, help=module.help, called_from_command_line=True))

    def handle(self, *args, subcommand: str, **options):
        return self._subcommands()[subcommand].handle(self, **options)
