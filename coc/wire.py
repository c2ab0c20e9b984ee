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
CODE_KEY = "coc_dhis2_error_code"  # where a refusal carries its code
COMBO_MAX = 32
# DHIS2's built-in default category option combo (its fixed uid, its code and name): the
# same value as no combo at all, so a DHIS2 client's explicit default keeps COC's key
DEFAULT_COMBO_IDS = frozenset({"HllvX50cXC0", "default"})
COMMENT_MAX = 5000
STORED_BY_MAX = 255
SET_LEVEL = ("period", "orgUnit", "attributeOptionCombo")  # a set's defaults for its values
NUMBER_TEXT = "A number as text, as DHIS2 sends values."


def _refuse(reason: str, code: str | None = None) -> PydanticCustomError:
    """A refusal with DHIS2's import error code (E7610 …) when one fits."""
    return PydanticCustomError("coc", reason, {CODE_KEY: code})


# DHIS2's data value import error codes (dhis-2 ErrorCode E76xx), as COC uses them
E_DATA_ELEMENT = "E7610"  # data element not found
E_PERIOD = "E7611"  # period not valid
E_ORG_UNIT = "E7612"  # org unit not found
E_COC = "E7613"  # category option combo not valid
E_AOC = "E7615"  # attribute option combo not valid
E_HIERARCHY = "E7617"  # org unit not in the hierarchy of the sender
E_NO_VALUE = "E7618"  # value not specified
E_TYPE = "E7619"  # value does not match the data element's type
E_COMMENT = "E7620"  # invalid comment
E_STORED_BY = "E7637"  # invalid storedBy
E_PERIOD_TYPE = "E7632"  # period type not valid for the data element


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
    categoryOptionCombo: str | SkipJsonSchema[None] = Field(
        None, description="The disaggregation; left out for the default combo."
    )
    attributeOptionCombo: str | SkipJsonSchema[None] = Field(
        None, description="The attribute combo; left out for the default combo."
    )
    comment: str | SkipJsonSchema[None] = None
    followup: bool | SkipJsonSchema[None] = Field(None, description="Left out when false.")
    storedBy: str | SkipJsonSchema[None] = None
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
    categoryOptionCombo: str = Field(
        "", max_length=COMBO_MAX, description="Disaggregation id; empty or left out = default."
    )
    attributeOptionCombo: str = Field(
        "", max_length=COMBO_MAX, description="Attribute combo id; empty or left out = default."
    )
    comment: str | None = Field(None, max_length=COMMENT_MAX)
    followup: bool | None = None
    storedBy: str | None = Field(None, max_length=STORED_BY_MAX)
    deleted: bool = False

    @field_validator("dataElement", "period", mode="before")
    @classmethod
    def _text(cls, raw: Any, info: ValidationInfo) -> str:
        code = E_DATA_ELEMENT if info.field_name == "dataElement" else E_PERIOD
        if not isinstance(raw, str) or not raw.strip():
            raise _refuse(f"thiếu hoặc sai {info.field_name}", code)
        text = raw.strip()
        catalog = _rules(info).catalog
        if info.field_name == "dataElement" and catalog is not None and text not in catalog:
            raise _refuse(f"mã chỉ tiêu không tồn tại: {_short(text)}", code)
        if info.field_name == "period":
            try:
                parse_period(text)
            except ValueError as exc:
                raise _refuse(str(exc), code) from None
        return text

    @field_validator("orgUnit", mode="before")
    @classmethod
    def _org_unit(cls, raw: Any, info: ValidationInfo) -> str:
        rules = _rules(info)
        org_unit = rules.default_org_unit if raw is None else raw
        if not isinstance(org_unit, str) or not org_unit:
            raise _refuse("thiếu orgUnit", E_ORG_UNIT)
        if not rules.allowed(org_unit):
            raise _refuse(
                f"mã thẩm quyền này không được gửi số liệu của đơn vị {org_unit!r}", E_HIERARCHY
            )
        return org_unit

    @field_validator("deleted", "followup", mode="before")
    @classmethod
    def _flag(cls, raw: Any, info: ValidationInfo) -> bool | None:
        if raw is None and info.field_name == "followup":
            return None
        if isinstance(raw, str) and raw.lower() in ("true", "false"):  # DHIS2 CSV/XML habit
            return raw.lower() == "true"
        if not isinstance(raw, bool):
            raise _refuse(f"{info.field_name} phải là true/false: {_short(raw)}")
        return raw

    @field_validator("categoryOptionCombo", "attributeOptionCombo", mode="before")
    @classmethod
    def _combo(cls, raw: Any, info: ValidationInfo) -> str:
        code = E_COC if info.field_name == "categoryOptionCombo" else E_AOC
        if raw is None:
            return ""
        if not isinstance(raw, str) or len(raw.strip()) > COMBO_MAX:
            raise _refuse(f"{info.field_name} không hợp lệ: {_short(raw)}", code)
        text = raw.strip()
        return "" if text in DEFAULT_COMBO_IDS else text

    @field_validator("comment", "storedBy", mode="before")
    @classmethod
    def _free_text(cls, raw: Any, info: ValidationInfo) -> str | None:
        longest = COMMENT_MAX if info.field_name == "comment" else STORED_BY_MAX
        code = E_COMMENT if info.field_name == "comment" else E_STORED_BY
        if raw is None:
            return None
        if not isinstance(raw, str) or len(raw) > longest or "\x00" in raw:
            raise _refuse(f"{info.field_name} không hợp lệ (chuỗi tối đa {longest} ký tự)", code)
        return raw

    @field_validator("value", "numerator", "denominator", mode="before")
    @classmethod
    def _numbers(cls, raw: Any, info: ValidationInfo) -> float | None:
        try:
            return _number(raw, info.field_name or "value")
        except PydanticCustomError as exc:
            raise _refuse(exc.message(), E_TYPE) from None

    @model_validator(mode="after")
    def _value_unless_deleted(self) -> DataValueIn:
        if self.value is None and not self.deleted:
            raise _refuse("thiếu value", E_NO_VALUE)
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
            "category_option_combo": self.categoryOptionCombo,
            "attribute_option_combo": self.attributeOptionCombo,
            "deleted": self.deleted,
            **self._extras(),
        }

    def _extras(self) -> dict[str, Any]:
        """comment, followup and storedBy only when sent: a value without them leaves the
        stored ones as they are."""
        out: dict[str, Any] = {}
        if self.comment is not None:
            out["comment"] = self.comment
        if self.followup is not None:
            out["followup"] = self.followup
        if self.storedBy is not None:
            out["stored_by"] = self.storedBy
        return out


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
            return Rejected(first["msg"], code=(first.get("ctx") or {}).get(CODE_KEY))
        where = ".".join(str(p) for p in first["loc"]) or "dataValue"
        return Rejected(f"{where}: {first['msg']}")


def _keep_raw(raw: Any, _handler: Any) -> Any:
    """Values are read one by one by `read_value`; the body keeps them as sent."""
    return raw


SetLevel = Annotated[str | None, WrapValidator(_keep_raw)]  # read per value, with it


class DataValueSetIn(BaseModel):
    """A pushed body `{"dataValues": [...]}`. Only its shape can fail the request (400);
    each value is read on its own and a bad one is a conflict of the summary."""

    dataValues: list[Annotated[DataValueIn | SkipJsonSchema[Any], WrapValidator(_keep_raw)]] = (
        Field(max_length=MAX_POST_VALUES)
    )
    dataSet: SetLevel = Field(None, description="DHIS2 data set id; accepted, not checked.")
    completeDate: SetLevel = Field(None, description="Accepted; not a registration here.")
    period: SetLevel = Field(None, description="Period of the values that name none.")
    orgUnit: SetLevel = Field(
        None, description="Org unit of the values that name none (checked like theirs)."
    )
    attributeOptionCombo: SetLevel = Field(
        None, description="Attribute combo of the values that name none."
    )

    def values(self) -> list[Any]:
        """The values as sent, each with the set-level period, orgUnit and
        attributeOptionCombo where it names none (DHIS2's rule); a value that is no
        object is left as it is, to be refused on its own."""
        defaults = {k: getattr(self, k) for k in SET_LEVEL if getattr(self, k) is not None}
        if not defaults:
            return list(self.dataValues)
        return [_with_defaults(item, defaults) for item in self.dataValues]

    @field_validator("dataValues", mode="before")
    @classmethod
    def _bounded_list(cls, raw: Any) -> Any:
        if not isinstance(raw, list):
            raise _refuse('nội dung phải là JSON {"dataValues": [...]}')
        if len(raw) > MAX_POST_VALUES:
            raise _refuse(f"tối đa {MAX_POST_VALUES} giá trị mỗi lần gửi")
        return raw


def _with_defaults(item: Any, defaults: dict[str, Any]) -> Any:
    if not isinstance(item, dict):
        return item
    missing = {k: v for k, v in defaults.items() if item.get(k) is None}
    return {**item, **missing} if missing else item


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
    errorCode: str | SkipJsonSchema[None] = Field(
        None, description="DHIS2's import error code (E7610 …) when one fits."
    )
    indexes: list[int] = Field(default_factory=list, description="Its position in dataValues.")


class ImportSummary(BaseModel):
    """OK without conflicts, WARNING when some values were stored, ERROR when none (the
    answer is then HTTP 409)."""

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
                    errorCode=c.code,
                    indexes=[] if c.index is None else [c.index],
                )
                for c in counts.conflicts
            ],
        )

    @property
    def http_status(self) -> int:
        return 409 if self.status == "ERROR" else 200

    def web_message(self) -> WebMessage:
        """The same summary in DHIS2's (2.38+) WebMessage envelope, as `/api/dataValueSets`
        answers it: 409 "Conflict" whenever there are conflicts, as DHIS2 does."""
        rejected = sorted({i for c in self.conflicts for i in c.indexes})
        full = ImportSummaryFull(**self.model_dump(), description=None, rejectedIndexes=rejected)
        if not self.conflicts:
            return WebMessage(
                httpStatus="OK",
                httpStatusCode=200,
                status="OK",
                message="Import was successful.",
                response=full,
            )
        message = (
            "An error occurred, please check import summary."
            if self.status == "ERROR"
            else "One more conflicts encountered, please check import summary."
        )
        return WebMessage(
            httpStatus="Conflict",
            httpStatusCode=409,
            status=self.status,
            message=message,
            response=full,
        )


class ImportSummaryFull(ImportSummary):
    """DHIS2's ImportSummary as it sits in a WebMessage's `response`."""

    responseType: Literal["ImportSummary"] = "ImportSummary"
    description: str | None = None
    rejectedIndexes: list[int] = Field(
        default_factory=list, description="Positions in dataValues of the refused values."
    )


class WebMessage(BaseModel):
    """DHIS2's envelope around an import summary (`httpStatus`, `httpStatusCode`, `status`,
    `message`, `response`), so a DHIS2 client reads COC's answer unchanged."""

    httpStatus: Literal["OK", "Conflict"]
    httpStatusCode: int
    status: Literal["OK", "WARNING", "ERROR"]
    message: str
    response: ImportSummaryFull


class Refusal(BaseModel):
    """Every 4xx/5xx of the API: a code word and a reason a person can read."""

    error: str = Field(examples=["bad_request"])
    reason: str = Field(examples=["limit phải là số nguyên từ 1 đến 10000"])
