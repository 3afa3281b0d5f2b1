"""What every resolver receives: the database engine and this request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.types import Info as StrawberryInfo

from loaders.batch import Loaders


@dataclass
class HubContext:
    engine: AsyncEngine
    request: Any = None
    response: Any = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.engine)


Info = StrawberryInfo[HubContext, None]
