"""Read the local cloud's e-mail outbox (what SNS would have mailed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from infra_scripts.config import Settings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    time: str
    protocol: str
    topic_arn: str
    message_id: str
    path: Path


def outbox_dir(settings: Settings) -> Path:
    return Path(settings.state_dir) / "outbox"


def list_mail(settings: Settings, *, to: str | None = None, limit: int | None = None) -> list[Mail]:
    """Mails in the outbox, newest first, optionally only those sent to ``to``."""
    mails = []
    for path in sorted(outbox_dir(settings).glob("*.json"), reverse=True):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # being written, or not ours
        if to is not None and doc.get("to") != to:
            continue
        mails.append(
            Mail(
                to=doc["to"],
                subject=doc["subject"],
                body=doc["body"],
                time=doc["time"],
                protocol=doc["protocol"],
                topic_arn=doc["topic_arn"],
                message_id=doc["message_id"],
                path=path,
            )
        )
        if limit is not None and len(mails) >= limit:
            break
    return mails
