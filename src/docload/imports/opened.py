"""What a content resolver's `open` returns; apart from `content` so that resolvers in modules of
their own (`url_content`) can return it without an import cycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO


@dataclass
class OpenedContent:
    stream: IO[bytes]
    size: int
