"""The wire format of the feed, of pushes and of import summaries (DHIS2's dataValueSets
shape), as pydantic models. The API serves and reads these, its OpenAPI document is
generated from them, the province reads pulled pages with them.

Values are strings on the way out, as DHIS2 sends them. On the way in each value is read
on its own (`read_value`): a bad one becomes a `Rejected` with a Vietnamese reason, a
conflict of the import summary, never a failed request.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from coc.counts import Counts
from coc.indicators.catalog import Catalog
from coc.ingest.records import Rejected
from coc.periods import parse_period

MAX_POST_VALUES = 50000
NUMBER_TEXT = "A number as text, as DHIS2 sends values."


def _refuse(reason: str) -> PydanticCustomError:
    return PydanticCustomError("coc", reason)


# ── out: the feed ──────────────────────────────────────────────────────────────────────


class DataValue(BaseModel):
    """One value of the feed (`coc.sync.values.to_wire` builds it as a plain dict, the
    feed's hot path); fields without a value are left out rather than null."""

    model_config = ConfigDict(frozen=True)

    dataElement: str = Field(examples=["TTHC_DUNG_HAN"])
    period: str = Field(examples=["202611"], description="2026, 2026Q3, 202611 or 20261122")
    orgUnit: str = Field(examples=["10237"])
    value: str = Field(description=NUMBER_TEXT + " Empty for a deleted value without one.")
    numerator: str | SkipJsonSchema[None] = Field(None, description=NUMBER_TEXT)
    denominator: str | SkipJsonSchema[None] = Field(None, description=NUMBER_TEXT)
    lastUpdated: str | SkipJsonSchema[None] = Field(None, json_schema_extra={"format": "date-time"})
    deleted: bool | SkipJsonSchema[None] = None
    approvalState: str | SkipJsonSchema[None] = Field(
        None, description="APPROVED_HERE, UNAPPROVED_READY, UNAPPROVED_WAITING or UNAPPROVABLE."
    )


class DataValueSet(BaseModel):
    """A page of the feed, in (lastUpdated, id) order; `next` continues after it."""

    orgUnit: str = Field(description="The org unit serving the feed.")
    dataValues: list[DataValue]
    next: str | None = Field(description="Opaque cursor of the next page; null on the last.")


# ── in: a pushed body and each of its values ────────────────────────────────────────────


@dataclass(frozen=True)
class ValueRules:
    """What reading a value needs besides the value: the catalog, the org unit a value
    without one belongs to, and which org units the sender may write."""

    catalog: Catalog | None = None
    default_org_unit: str | None = None
    allowed: Callable[[str], bool] = lambda _ou: True


def _rules(info: ValidationInfo) -> ValueRules:
    return info.context if isinstance(info.context, ValueRules) else ValueRules()


def _number(raw: Any, name: str) -> float | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise _refuse(f"{name} phải là số: {_short(raw)}")
    try:
        number = float(raw)
    except ValueError:
        raise _refuse(f"{name} không phải số: {_short(raw)}") from None
    except OverflowError:  # an integer beyond any float
        raise _refuse(f"{name} không phải số hữu hạn: {_short(raw)}") from None
    if not math.isfinite(number):
        raise _refuse(f"{name} không phải số hữu hạn: {_short(raw)}")
    return number


def _short(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 80 else text[:79] + "…"


WireNumber = Annotated[
    float | None,
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]}),
]


class DataValueIn(BaseModel):
    """One value as a commune (or any DHIS2 client) sends it. `value` may be a JSON
    number or a number as text; it may be left out only when `deleted` is true."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    dataElement: str = Field(min_length=1, examples=["TTHC_DUNG_HAN"])
    period: str = Field(min_length=1, examples=["202611"])
    orgUnit: str = Field(
        None,  # type: ignore[assignment]  # filled from the sender's own org unit
        min_length=1,
        validate_default=True,
        description="Defaults to the sending commune.",
        examples=["10237"],
    )
    value: WireNumber = Field(None, description=NUMBER_TEXT + " A JSON number is accepted.")
    numerator: WireNumber = None
    denominator: WireNumber = None
    deleted: bool = False

    @field_validator("dataElement", "period", mode="before")
    @classmethod
    def _text(cls, raw: Any, info: ValidationInfo) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise _refuse(f"thiếu hoặc sai {info.field_name}")
        text = raw.strip()
        catalog = _rules(info).catalog
        if info.field_name == "dataElement" and catalog is not None and text not in catalog:
            raise _refuse(f"mã chỉ tiêu không tồn tại: {text!r}")
        if info.field_name == "period":
            try:
                parse_period(text)
            except ValueError as exc:
                raise _refuse(str(exc)) from None
        return text

    @field_validator("orgUnit", mode="before")
    @classmethod
    def _org_unit(cls, raw: Any, info: ValidationInfo) -> str:
        rules = _rules(info)
        org_unit = rules.default_org_unit if raw is None else raw
        if not isinstance(org_unit, str) or not org_unit:
            raise _refuse("thiếu orgUnit")
        if not rules.allowed(org_unit):
            raise _refuse(f"mã thẩm quyền này không được gửi số liệu của đơn vị {org_unit!r}")
        return org_unit

    @field_validator("deleted", mode="before")
    @classmethod
    def _deleted(cls, raw: Any) -> bool:
        if not isinstance(raw, bool):
            raise _refuse(f"deleted phải là true/false: {_short(raw)}")
        return raw

    @field_validator("value", "numerator", "denominator", mode="before")
    @classmethod
    def _numbers(cls, raw: Any, info: ValidationInfo) -> float | None:
        return _number(raw, info.field_name or "value")

    @model_validator(mode="after")
    def _value_unless_deleted(self) -> DataValueIn:
        if self.value is None and not self.deleted:
            raise _refuse("thiếu value")
        return self

    def row(self) -> dict[str, Any]:
        """The data_value row this value upserts."""
        return {
            "indicator_code": self.dataElement,
            "org_unit": self.orgUnit,
            "period": self.period,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "deleted": self.deleted,
        }


def read_value(item: Any, rules: ValueRules) -> DataValueIn | Rejected:
    """One received value, or the reason it is refused (the first problem found). Never
    raises."""
    if not isinstance(item, dict):
        return Rejected("mỗi dataValue phải là một đối tượng JSON")
    try:
        return DataValueIn.model_validate(item, context=rules)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        if first["type"] == "coc":
            return Rejected(first["msg"])
        where = ".".join(str(p) for p in first["loc"]) or "dataValue"
        return Rejected(f"{where}: {first['msg']}")


def _keep_raw(raw: Any, _handler: Any) -> Any:
    """Values are read one by one by `read_value`; the body keeps them as sent."""
    return raw


class DataValueSetIn(BaseModel):
    """A pushed body `{"dataValues": [...]}`. Only its shape can fail the request (400);
    each value is read on its own and a bad one is a conflict of the summary."""

    dataValues: list[Annotated[DataValueIn | SkipJsonSchema[Any], WrapValidator(_keep_raw)]] = (
        Field(max_length=MAX_POST_VALUES)
    )

    @field_validator("dataValues", mode="before")
    @classmethod
    def _bounded_list(cls, raw: Any) -> Any:
        if not isinstance(raw, list):
            raise _refuse('nội dung phải là JSON {"dataValues": [...]}')
        if len(raw) > MAX_POST_VALUES:
            raise _refuse(f"tối đa {MAX_POST_VALUES} giá trị mỗi lần gửi")
        return raw


def read_body(body: Any) -> DataValueSetIn | Rejected:
    """A POST body, or the reason the whole request is refused. Never raises."""
    if not isinstance(body, dict):
        return Rejected('nội dung phải là JSON {"dataValues": [...]}')
    try:
        return DataValueSetIn.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        if first["type"] == "coc":
            return Rejected(first["msg"])
        return Rejected('nội dung phải là JSON {"dataValues": [...]}')


# ── the answer to a push: a DHIS2-style import summary ──────────────────────────────────


class ImportCount(BaseModel):
    imported: int = 0
    updated: int = 0
    ignored: int = Field(0, description="Unchanged values and refused ones, as in DHIS2.")
    deleted: int = 0


class ImportConflict(BaseModel):
    object: str | None = Field(None, description="dataElement/orgUnit/period of the value.")
    value: str = Field(description="Why the value was refused (Vietnamese).")
    indexes: list[int] = Field(default_factory=list, description="Its position in dataValues.")


class ImportSummary(BaseModel):
    """OK without conflicts, WARNING when some values were stored, ERROR when none."""

    status: Literal["OK", "WARNING", "ERROR"]
    importCount: ImportCount
    conflicts: list[ImportConflict]

    @classmethod
    def of(cls, counts: Counts) -> ImportSummary:
        status = "OK" if not counts.conflicts else "WARNING" if counts.handled else "ERROR"
        return cls(
            status=status,
            importCount=ImportCount(
                imported=counts.imported,
                updated=counts.updated,
                ignored=counts.unchanged + counts.rejected,
                deleted=counts.deleted,
            ),
            conflicts=[
                ImportConflict(
                    object=c.object,
                    value=c.reason,
                    indexes=[] if c.index is None else [c.index],
                )
                for c in counts.conflicts
            ],
        )


class Refusal(BaseModel):
    """Every 4xx/5xx of the API: a code word and a reason a person can read."""

    error: str = Field(examples=["bad_request"])
    reason: str = Field(examples=["limit phải là số nguyên từ 1 đến 10000"])
