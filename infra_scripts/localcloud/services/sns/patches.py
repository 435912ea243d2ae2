"""SNS: messages to ``email`` and ``email-json`` subscriptions land in the outbox folder.

moto stores e-mail subscriptions but never delivers. Here every message that would be
mailed is written as one JSON file (to, subject, body, time, …) under
``<state dir>/outbox/``; :mod:`infra_scripts.localcloud.outbox` reads them back.
Subscription filter policies and ``MessageStructure='json'`` are honoured as for the
other protocols. E-mail subscriptions need no confirmation locally.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.runtime import ServerContext

EMAIL_PROTOCOLS = ("email", "email-json")
DEFAULT_SUBJECT = "AWS Notification Message"
_lock = threading.Lock()


def _email_json_body(sub: Any, message: str, message_id: str, subject: str | None, now: str) -> str:
    """The notification document AWS mails to ``email-json`` subscribers."""
    doc = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": sub.topic_arn,
        "Subject": subject,
        "Message": message,
        "Timestamp": now,
        "SignatureVersion": "1",
        "UnsubscribeURL": f"https://sns.{sub.topic_arn.split(':')[3]}.amazonaws.com/"
        f"?Action=Unsubscribe&SubscriptionArn={sub.arn}",
    }
    return json.dumps({k: v for k, v in doc.items() if v is not None}, indent=2)


def write_mail(outbox: Path, mail: dict[str, Any]) -> Path:
    """Write one mail atomically; file names sort by time."""
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = mail["time"].replace(":", "").replace("-", "")
    subscription = mail["subscription_arn"].rsplit(":", 1)[-1][:8]
    path = outbox / f"{stamp}_{mail['message_id']}_{subscription}.json"
    tmp = path.with_suffix(".tmp")
    with _lock:
        tmp.write_text(json.dumps(mail, indent=2, ensure_ascii=False))
        os.replace(tmp, path)
    return path


def install(ctx: ServerContext) -> None:
    """Deliver e-mail protocols to the outbox instead of dropping them."""
    from moto.sns.models import Subscription

    original = require(Subscription, "publish")
    require(Subscription, "_parse_message_structure")

    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol not in EMAIL_PROTOCOLS:
            return original(
                self,
                message,
                message_id,
                subject,
                message_attributes,
                group_id,
                deduplication_id,
                message_structure,
            )
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return None
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        body = (
            message
            if self.protocol == "email"
            else _email_json_body(self, message, message_id, subject, now)
        )
        write_mail(
            ctx.outbox_dir,
            {
                "to": self.endpoint,
                "subject": subject or DEFAULT_SUBJECT,
                "body": body,
                "time": now,
                "protocol": self.protocol,
                "topic_arn": self.topic_arn,
                "subscription_arn": self.arn,
                "message_id": message_id,
            },
        )
        return None

    replace(Subscription, "publish", publish)
