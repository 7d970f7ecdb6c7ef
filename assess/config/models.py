"""Shared pydantic base and named field types for every file format the office authors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Strict(BaseModel):
    """Base of every input model: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=40),
    Field(description="稳定标识：字母、数字、-、_、.（用于文件夹、链接和数据关联，发布后不要修改）"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
