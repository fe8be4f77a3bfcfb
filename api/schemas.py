"""The API's typed answers: the OpenAPI schema is generated from these."""

from __future__ import annotations

import datetime

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    code: str


class AgencyOut(Schema):
    slug: str
    name: str
    kind: str
    district: str
    province: str
    public_url: str


class HeadOut(Schema):
    chain: int
    date: datetime.date
    seq: int
    rows: int
    seal: str


class AgencyHeadOut(HeadOut):
    agency: str


class PlanOut(Schema):
    fiscal_year: int
    status: str
    public_url: str
    data_url: str


class EvidenceOut(Schema):
    name: str
    size: int
    url: str


class ResultOut(Schema):
    division: str
    results: str
    outcome: str
    evidence: list[EvidenceOut]


class ActionOut(Schema):
    label: str
    responsible: str
    status: str
    approved_on: datetime.date | None
    results: list[ResultOut]


class IndicatorOut(Schema):
    label: str
    assessment: str
    approved: int
    counted: int
    actions: list[ActionOut]


class MeasureOut(Schema):
    label: str
    indicators: list[IndicatorOut]


class DivisionOut(Schema):
    name: str
    approved: int
    total: int


class ReportOut(Schema):
    round: int
    round_label: str
    format: str
    published_at: datetime.datetime | None
    sha256: str
    size: int
    url: str


class PageHeadOut(Schema):
    date: datetime.date
    rows: int
    seal: str


class AgencyRefOut(Schema):
    name: str
    slug: str
    kind: str
    district: str
    province: str


class PublicOitItemOut(Schema):
    number: str
    title: str
    url: str | None


class PublicOitOut(Schema):
    """The OIT items adopted into the plan, apart from its measures: those the mayor approved, with the address
    approved for each, and how many are approved of all."""

    approved: int
    total: int
    items: list[PublicOitItemOut]


class PublicPlanOut(Schema):
    agency: AgencyRefOut
    fiscal_year: int
    approved: int
    counted: int
    measures: list[MeasureOut]
    divisions: list[DivisionOut]
    reports: list[ReportOut]
    oit: PublicOitOut | None = None
    chain_head: PageHeadOut | None


class TallyOut(Schema):
    label: str
    counted: int
    approved: int
    awaiting: int
    overdue: int
    percent_approved: int
    average_progress: int


class OitCompletionOut(Schema):
    """The plan's adopted OIT catalogue: items the mayor approved, of all its items."""

    approved: int
    items: int
    percent_approved: int


class ProgressOut(Schema):
    agency: str
    name: str
    fiscal_year: int
    overall: TallyOut
    measures: list[TallyOut]
    indicators: list[TallyOut]
    returned: int
    # None when the plan adopted no OIT catalogue.
    oit: OitCompletionOut | None


class FindingCountOut(Schema):
    agency: str
    rule: str
    status: str
    count: int
