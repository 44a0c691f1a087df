"""Case intake from 12345 platforms and other systems (R-26).

Each system holds an API key the organiser issued (sent as ``X-API-Key``);
the key fixes the source, and a key reads back only the cases it sent.
Sending the same ``external_id`` again with the same content returns the case
already registered with 200, never a second case; with other content it is a
409 and nothing changes. A field the API does not know is refused (422), so a
misspelt ``complainant`` never turns a named complaint into an anonymous one.
Control characters never get this far: ``lib.clean_input`` refuses them (400).
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import ConfigDict, model_validator

from minping.cases.actions import (
    COMPLAINANT_FIELDS,
    CaseActionRefused,
    IntakeConflict,
    do_intake,
    hash_api_key,
    intake_fingerprint,
)
from minping.cases.models import ApiKey, Case, State
from minping.orgs.models import Unit

EARLIEST = datetime.date(2000, 1, 1)


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        if not key or len(key) > 200:
            return None
        return ApiKey.objects.filter(key_hash=hash_api_key(key), active=True).first()


class ComplainantIn(Schema):
    # An unknown field is refused: silently dropping it would make the complaint anonymous.
    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=100, description="姓名(可空)")
    phone: str = Field("", max_length=40, description="联系电话(可空)")
    address: str = Field("", max_length=300)
    email: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _names_someone(self) -> ComplainantIn:
        if not any(getattr(self, name).strip() for name in COMPLAINANT_FIELDS):
            raise ValueError("投诉人信息为空:匿名反映请不要提供 complainant")
        return self


class CaseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(
        ...,
        min_length=1,
        max_length=100,
        description="来源系统中的编号,每个接入系统内唯一;原样重发不会重复登记,"
        "同一编号换了内容会被拒绝(409)",
    )
    summary: str = Field(..., min_length=1, max_length=200, description="问题摘要")
    details: str = Field("", max_length=10000, description="详细情况")
    unit: str | None = Field(None, max_length=64, description="涉及单位代码(不清楚可不填)")
    registered_on: datetime.date | None = Field(None, description="受理日期,默认今天")
    complainant: ComplainantIn | None = Field(
        None, description="投诉人,至少填一项;匿名反映不提供此字段"
    )


class CaseOut(Schema):
    number: str = Field(..., description="问题编号")
    external_id: str
    state: str
    state_label: str
    unit: str | None
    due_on: datetime.date | None
    replied_on: datetime.date | None
    result: str = Field("", description="办理结果(核实后提供)")
    satisfaction: str = ""
    check_code: str | None = Field(None, description="供投诉人查询进度的查询码,只在首次登记时返回")


class Problem(Schema):
    detail: str


router = Router(tags=["问题线索 cases"], auth=ApiKeyAuth())


def _out(case: Case, check_code: str | None = None) -> CaseOut:
    answered = case.state in (State.VERIFIED, State.FOLLOWED_UP, State.CLOSED)
    return CaseOut(
        number=case.number,
        external_id=case.external_id,
        state=case.state,
        state_label=State(case.state).label,
        unit=case.unit.code if case.unit else None,
        due_on=case.due_on,
        replied_on=case.replied_on,
        result=case.reply_handling if answered else "",
        satisfaction=case.satisfaction,
        check_code=check_code,
    )


@router.post(
    "/",
    response={200: CaseOut, 201: CaseOut, 409: Problem, 422: Problem},
    summary="登记一个问题(幂等)",
    description="新登记返回 201;同一 external_id 原样再次提交返回 200 和原来的问题;"
    "同一 external_id 内容不同返回 409,不作登记。",
)
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    unit = None
    if payload.unit:
        unit = Unit.objects.filter(code=payload.unit).first()
        if unit is None:
            return Status(422, {"detail": f"没有代码为“{payload.unit}”的单位。"})
    day = payload.registered_on
    if day is not None and not EARLIEST <= day <= timezone.localdate():
        return Status(422, {"detail": f"受理日期 {day} 不在 {EARLIEST} 至今天之间。"})
    try:
        case, created = do_intake(
            api_key=key,
            external_id=payload.external_id,
            fingerprint=intake_fingerprint(payload.model_dump(mode="json")),
            summary=payload.summary,
            details=payload.details,
            unit=unit,
            registered_on=day,
            complainant=payload.complainant.model_dump() if payload.complainant else None,
            note=f"由接口“{key.name}”推送",
        )
    except IntakeConflict as conflict:
        return Status(409, {"detail": conflict.message})
    except CaseActionRefused as refused:
        return Status(422, {"detail": refused.message})
    return Status(201, _out(case, case.check_code)) if created else Status(200, _out(case))


@router.get(
    "/{external_id}",
    response={200: CaseOut, 404: Problem},
    summary="查询本系统推送的问题的办理情况",
    description="只能查到用同一密钥推送的问题;其他系统的编号一律返回 404。",
)
def get_case(request: HttpRequest, external_id: str) -> Status:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    case = Case.objects.select_related("unit").filter(api_key=key, external_id=external_id).first()
    if case is None:
        return Status(404, {"detail": "没有这个问题。"})
    return Status(200, _out(case))
