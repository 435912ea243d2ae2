"""SNS: e-mail subscriptions deliver to the local cloud's outbox."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infra_scripts.localcloud.outbox import list_mail
from tests.helpers import unique

pytestmark = pytest.mark.localcloud


@pytest.fixture
def topic(session) -> str:
    return session.client("sns").create_topic(Name=unique("mail"))["TopicArn"]


def test_email_subscription_gets_subject_and_body(session, local_cloud, topic):
    to = f"{unique('owner')}@example.com"
    session.client("sns").subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    sent = session.client("sns").publish(
        TopicArn=topic, Subject="Daily sales loaded", Message="120 rows accepted"
    )
    [mail] = list_mail(local_cloud.settings, to=to)
    assert (mail.subject, mail.body, mail.protocol) == (
        "Daily sales loaded",
        "120 rows accepted",
        "email",
    )
    assert mail.message_id == sent["MessageId"]
    assert mail.topic_arn == topic


def test_email_json_gets_the_notification_document(session, local_cloud, topic):
    to = f"{unique('bot')}@example.com"
    session.client("sns").subscribe(TopicArn=topic, Protocol="email-json", Endpoint=to)
    payload = json.dumps({"rows": 3})
    session.client("sns").publish(TopicArn=topic, Message=payload)
    [mail] = list_mail(local_cloud.settings, to=to)
    doc = json.loads(mail.body)
    assert doc["Type"] == "Notification"
    assert doc["TopicArn"] == topic
    assert json.loads(doc["Message"]) == {"rows": 3}
    assert mail.subject == "AWS Notification Message"  # AWS's default subject


def test_message_structure_json_picks_the_email_variant(session, local_cloud, topic):
    to = f"{unique('owner')}@example.com"
    session.client("sns").subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    session.client("sns").publish(
        TopicArn=topic,
        MessageStructure="json",
        Message=json.dumps({"default": "short", "email": "the long e-mail text"}),
    )
    [mail] = list_mail(local_cloud.settings, to=to)
    assert mail.body == "the long e-mail text"


def test_filter_policy_is_honoured(session, local_cloud, topic):
    failures, everything = (f"{unique(n)}@example.com" for n in ("failures", "all"))
    sns = session.client("sns")
    sns.subscribe(
        TopicArn=topic,
        Protocol="email",
        Endpoint=failures,
        Attributes={"FilterPolicy": json.dumps({"outcome": ["failed"]})},
    )
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=everything)
    for outcome in ("succeeded", "failed"):
        sns.publish(
            TopicArn=topic,
            Message=f"run {outcome}",
            MessageAttributes={"outcome": {"DataType": "String", "StringValue": outcome}},
        )
    assert [m.body for m in list_mail(local_cloud.settings, to=failures)] == ["run failed"]
    assert sorted(m.body for m in list_mail(local_cloud.settings, to=everything)) == [
        "run failed",
        "run succeeded",
    ]


def test_cli_lists_the_outbox_newest_first(session, local_cloud, topic):
    to = f"{unique('cli')}@example.com"
    session.client("sns").subscribe(TopicArn=topic, Protocol="email", Endpoint=to)
    for n in (1, 2, 3):
        session.client("sns").publish(TopicArn=topic, Subject=f"mail {n}", Message=f"body {n}")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra_scripts.cli",
            "local",
            "outbox",
            "--state-dir",
            str(local_cloud.settings.state_dir),
            "--to",
            to,
            "--body",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    subjects = [line.split("  ")[-1] for line in out.splitlines() if "to " + to in line]
    assert subjects == ["mail 3", "mail 2", "mail 1"]
    assert "body 2" in out
