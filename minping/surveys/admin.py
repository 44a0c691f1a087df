"""Read-only admin views: every change to collection goes through an audited action and its page."""

from __future__ import annotations

from django.contrib import admin

from minping.lib.admin import ReadOnlyAdmin
from minping.surveys.models import (
    Ballot,
    CollectionSettings,
    Comment,
    Invitation,
    Kiosk,
    Questionnaire,
    WindowLink,
)


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "method", "unit", "date", "channel", "category", "status"]
    list_filter = ["campaign", "method", "channel", "status"]
    search_fields = ["unit__name", "unit__code"]
    show_full_result_count = False


@admin.register(CollectionSettings)
class CollectionSettingsAdmin(ReadOnlyAdmin):
    list_display = ["method", "target", "rounds", "current_round", "opens", "closes", "closed"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["method", "version", "created"]
    list_filter = ["campaign"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    # No holder, token or code in the list: only hashes exist, and they mean nothing to a reader.
    list_display = ["campaign", "method", "unit", "category", "issued", "expires", "used"]
    list_filter = ["campaign", "method", "used"]
    exclude = ["token_hash", "code_hash", "holder_key"]


@admin.register(WindowLink)
class WindowLinkAdmin(ReadOnlyAdmin):
    list_display = ["unit", "method", "active"]
    list_filter = ["campaign", "method"]


@admin.register(Kiosk)
class KioskAdmin(ReadOnlyAdmin):
    list_display = ["name", "window", "paired", "revoked", "created"]
    exclude = ["pairing_hash"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["unit", "date", "follow_up", "case_number"]
    list_filter = ["campaign", "follow_up"]
    exclude = ["ballot"]
