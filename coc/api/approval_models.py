"""Wire models of completeness registrations and data approvals, in DHIS2's shapes
(`completeDataSetRegistrations`, `dataApprovals`), for the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

State = Literal["APPROVED_HERE", "UNAPPROVED_READY", "UNAPPROVED_WAITING", "UNAPPROVABLE"]


class CompleteRegistrationOut(BaseModel):
    dataSet: str
    period: str = Field(examples=["202611"])
    organisationUnit: str = Field(examples=["10237"])
    attributeOptionCombo: str | None = None
    completed: bool
    date: str | None = Field(None, description="When it was marked complete (ISO 8601, UTC).")
    storedBy: str | None = None
    lastUpdated: str | None = None


class CompleteRegistrations(BaseModel):
    completeDataSetRegistrations: list[CompleteRegistrationOut]


class CompleteRegistrationIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    dataSet: str | None = Field(None, description="Default: approval.data_set.")
    period: str
    organisationUnit: str | None = Field(None, description="Default: the token's commune.")
    attributeOptionCombo: str | None = None
    completed: bool | None = Field(None, description="Default true; false reopens.")
    date: str | None = None
    storedBy: str | None = None


class CompleteRegistrationsIn(BaseModel):
    completeDataSetRegistrations: list[CompleteRegistrationIn]


class RegistrationQuery(BaseModel):
    dataSet: str | None = Field(None, description="Only this data set (repeatable).")
    period: str | None = Field(None, description="Only this period (repeatable).")
    orgUnit: str | None = Field(None, description="Only this org unit (repeatable).")
    children: bool | None = Field(None, description="Also the org units below orgUnit.")
    startDate: str | None = Field(
        None,
        description="Periods starting on or after (yyyy-mm-dd).",
        json_schema_extra={"format": "date"},
    )
    endDate: str | None = Field(
        None,
        description="Periods ending on or before (yyyy-mm-dd).",
        json_schema_extra={"format": "date"},
    )
    lastUpdated: str | None = Field(
        None,
        description="Changed at or after (ISO 8601).",
        json_schema_extra={"format": "date-time"},
    )


class ApprovalStatusOut(BaseModel):
    wf: str
    pe: str
    ou: str
    aoc: str | None = None
    state: State
    mayApprove: bool = False
    mayUnapprove: bool = False
    mayAccept: bool = False
    mayUnaccept: bool = False
    mayReadData: bool = True
    approvedBy: str | None = None
    approvedAt: str | None = None
    unapprovedBy: str | None = None
    unapprovedAt: str | None = None
    reason: str | None = Field(None, description="Why it was last un-approved.")
    blockedBy: list[str] = Field(
        default_factory=list, description="Open validation flags that block approval."
    )


class ApprovalStatusList(RootModel[list[ApprovalStatusOut]]):
    pass


class ApprovalQuery(BaseModel):
    wf: str | None = Field(None, description="Workflow (default: approval.workflow).")
    pe: str = Field(description="Period(s), comma-separated or repeated.", examples=["202610"])
    ou: str = Field(description="Org unit(s), comma-separated or repeated.", examples=["10237"])


PERIOD = r"^[1-9][0-9]{3}(Q[1-4]|(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])?)?$"
Code = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[0-9A-Za-z_]+$")]


class ApprovalUnit(BaseModel):
    ou: Code
    aoc: str | None = Field(None, max_length=64)


class ApprovalsIn(BaseModel):
    wf: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, description="Default: approval.workflow."
    )
    pe: list[Annotated[str, Field(pattern=PERIOD)]] = Field(min_length=1, max_length=1000)
    approvals: list[ApprovalUnit] = Field(min_length=1, max_length=5000)
