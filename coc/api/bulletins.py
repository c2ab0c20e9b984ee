"""Bulletin endpoints: the audio the clusters fetch (public: keys are content hashes, not
guessable), and token-protected summaries with each bulletin's per-cluster report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, send_file

from coc.api.auth import TokenBook, bearer
from coc.api.http import refuse
from coc.api.models import BulletinInfo, BulletinList, DeliveryInfo, DeliveryReportAnswer
from coc.bulletins.audio import KEY, MIME, AudioCache
from coc.bulletins.workflow import deliveries, get, listing
from coc.config import Settings
from coc.store.db import Store
from coc.timeutil import iso_utc, utcnow


def bulletin_list(store: Store, org_unit: str, limit: int = 100) -> BulletinList:
    rows = listing(store, utcnow(), limit)
    return BulletinList(
        orgUnit=org_unit,
        bulletins=[
            BulletinInfo(
                id=r.id,
                title=r.title,
                priority=r.priority,
                status=r.status,
                schedule=r.schedule_kind,
                durationSeconds=r.duration_s,
                createdAt=iso_utc(r.created_at),
                approvedAt=iso_utc(r.approved_at),
                nextStart=iso_utc(r.next_start),
                deliveries=r.counts,
            )
            for r in rows
        ],
    )


def delivery_report(store: Store, bulletin_id: str) -> DeliveryReportAnswer:
    return DeliveryReportAnswer(
        bulletin=bulletin_id,
        deliveries=[
            DeliveryInfo(
                device=d.device_id,
                name=d.name,
                hamlet=d.hamlet,
                occurrence=d.occurrence,
                state=d.state,
                attempts=d.attempts,
                sentAt=iso_utc(d.sent_at),
                playedAt=iso_utc(d.played_at),
                finishedAt=iso_utc(d.finished_at),
                reason=d.reason,
            )
            for d in deliveries(store, bulletin_id)
        ],
    )


def register(bp: Blueprint, store: Store, settings: Settings, tokens: TokenBook) -> None:
    cache = AudioCache(settings.data_path, settings.bulletins.audio_format)

    def allowed() -> Any:
        token = bearer(request.headers.get("Authorization"))
        if token is None:
            return refuse(401, "cần Authorization: Bearer <mã truy cập>")
        if not tokens.is_feed(token):
            return refuse(401, "mã truy cập không hợp lệ")
        return None

    @bp.get("/bulletins/audio/<string:name>")
    def bulletin_audio(name: str) -> Any:
        key, _, ext = name.partition(".")
        path = cache.path(key) if KEY.fullmatch(key) and ext in MIME else None
        if path is None or path.suffix != f".{ext}":
            return refuse(404, "không có tệp âm thanh này")
        response = send_file(path, mimetype=MIME[ext], conditional=True, max_age=86400)
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
        return response

    @bp.get("/bulletins")
    def bulletins_view() -> Any:
        return allowed() or jsonify(bulletin_list(store, settings.commune.code).body())

    @bp.get("/bulletins/<string:bulletin_id>/deliveries")
    def deliveries_view(bulletin_id: str) -> Any:
        if denied := allowed():
            return denied
        if get(store, bulletin_id, utcnow()) is None:
            return refuse(404, "không có bản tin này")
        return jsonify(delivery_report(store, bulletin_id).body())
