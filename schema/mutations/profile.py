"""The LAO profile and its data-recorder slots, kept by the LAO's own staff
(`hub.services.profile`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.services import profile
from schema.context import Info
from schema.mutations.errors import (
    Forbidden,
    NotFound,
    ValidationFailed,
    VersionConflict,
    answers_refusals,
)
from schema.mutations.inputs import LaoProfileInput, RecorderInput, given


@strawberry.type(description="บันทึกข้อมูลทั่วไปแล้ว — the LAO profile was saved.")
class ProfileSaved:
    version: int


ProfileResult = Annotated[
    ProfileSaved | Forbidden | NotFound | VersionConflict | ValidationFailed,
    strawberry.union("ProfileResult"),
]


@strawberry.mutation(
    description="แก้ไขข้อมูลทั่วไปของ อปท. — the LAO's staff update its profile and, optionally, its two recorder slots."
)
@answers_refusals
async def update_lao_profile(
    info: Info,
    lao_code: str,
    version: int,
    data: LaoProfileInput,
    recorders: list[RecorderInput] | None = None,
) -> ProfileResult:
    new_version = await profile.update_profile(
        info.context.write_engine,
        info.context.identity,
        lao_code=lao_code,
        expected_version=version,
        values=given(data),
        recorders=None if recorders is None else [profile.Recorder(**vars(r)) for r in recorders],
    )
    return ProfileSaved(version=new_version)
