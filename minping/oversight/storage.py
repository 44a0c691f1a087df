"""Where uploaded files (evidence, submissions, photos) are kept: never under a public URL.

Files are served only through views that check who may see them
(``minping.lib.downloads``). The folder is ``MEDIA_ROOT`` when set, else
``uploads`` in the data directory.

Retention: a file lives as long as the record it belongs to. When a unit
replaces a submission, the earlier file is deleted once the replacement is
committed (the audit log keeps its name, not its content); when a record is
deleted (with its campaign, say), its file goes with it. Nothing else
deletes an upload: a rejected deduction keeps its evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.utils.functional import cached_property

# The models that keep uploads in this storage ("app_label.Model").
WITH_FILES = (
    "oversight.Deduction",
    "oversight.Veto",
    "oversight.Submission",
    "oversight.VisitPhoto",
    "reports.ReportJob",
)


class UploadStorage(FileSystemStorage):
    @cached_property
    def base_location(self) -> Any:
        return settings.MEDIA_ROOT or str(Path(settings.DATA_DIR) / "uploads")


_storage = UploadStorage()


def upload_storage() -> FileSystemStorage:
    return _storage


def delete_after_commit(name: str) -> None:
    """Remove a stored file once the transaction that let go of it commits; kept on rollback."""
    if name:
        # robust: a file that cannot be removed is logged, never a failed request after commit.
        transaction.on_commit(lambda: _storage.delete(name), robust=True)


def _delete_files(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.FileField):
            delete_after_commit(getattr(instance, field.attname).name or "")


def delete_files_with_records() -> None:
    """Connected at start-up (OversightConfig.ready): a deleted record takes its files along."""
    for model in WITH_FILES:
        post_delete.connect(_delete_files, sender=model, dispatch_uid=f"upload-files-{model}")
