"""Where uploaded files (evidence, submissions, photos) are kept: never under a public URL.

Files are served only through views that check who may see them. The folder
is ``MEDIA_ROOT`` when set, else ``uploads`` in the data directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class UploadStorage(FileSystemStorage):
    @cached_property
    def base_location(self) -> Any:
        return settings.MEDIA_ROOT or str(Path(settings.DATA_DIR) / "uploads")


_storage = UploadStorage()


def upload_storage() -> FileSystemStorage:
    return _storage
