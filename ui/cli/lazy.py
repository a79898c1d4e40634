"""A click group whose commands are imported on first use, so a command that refuses bad
input answers before the model libraries other commands need are imported."""

from __future__ import annotations

import importlib
from typing import Any

import click


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class LazyGroup(click.Group):
    """Commands named in `lazy` ("module:attr" of one command) or in `lazy_lists`
    ("module:attr" of a list of commands, whose names are only known once imported)."""

    def __init__(
        self,
        *args: Any,
        lazy: dict[str, str] | None = None,
        lazy_lists: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}
        self.lazy_lists = lazy_lists or []

    def _load_lists(self) -> None:
        while self.lazy_lists:
            for command in _load(self.lazy_lists.pop()):
                self.add_command(command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_lists()
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            command: click.Command = _load(self.lazy[cmd_name])
            return command
        self._load_lists()
        return super().get_command(ctx, cmd_name)
