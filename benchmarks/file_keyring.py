"""A keyring backend that keeps its entries in a JSON file under $HOME, for the startup
benchmark: a key "in the keyring" across processes, with no Secret Service running.
Selected with PYTHON_KEYRING_BACKEND=file_keyring.FileKeyring (this folder on PYTHONPATH).
Never for real keys: the file is plain text."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["HOME"]) / "bench-keyring.json"

    def _entries(self) -> dict[str, str]:
        try:
            return dict(json.loads(self._path().read_text()))
        except (OSError, ValueError):
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._entries()
        entries[f"{service}/{username}"] = password
        self._path().write_text(json.dumps(entries))

    def delete_password(self, service: str, username: str) -> None:
        entries = self._entries()
        entries.pop(f"{service}/{username}", None)
        self._path().write_text(json.dumps(entries))
