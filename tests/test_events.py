"""SES bounce and complaint events through SNS -> SQS (moto), and what they do to subscribers."""

from __future__ import annotations

import json
from datetime import date

import boto3
import pytest
from moto import mock_aws
from sqlmodel import select

from academichub.db import open_database, session_scope
from academichub.settings import Settings
from flows.events import process_ses_events
from subscribers.bounces import parse_event
from subscribers.models import Subscriber
from subscribers.service import ProfileInput, active_subscribers, upsert_subscriber

pytestmark = pytest.mark.usefixtures("prefect_harness")


def sns(event: dict) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "m",
            "TopicArn": "arn:aws:sns:us-east-1:123:ses",
            "Message": json.dumps(event),
        }
    )


BOUNCE = {
    "eventType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": "Gone@Example.com"}],
    },
    "mail": {},
}
SOFT = {
    "eventType": "Bounce",
    "bounce": {"bounceType": "Transient", "bouncedRecipients": [{"emailAddress": "full@example.com"}]},
}
COMPLAINT = {
    "notificationType": "Complaint",
    "complaint": {"complainedRecipients": [{"emailAddress": "angry@example.com"}]},
}


def test_parse_event_formats():
    assert parse_event(sns(BOUNCE)).kind == "bounce" and parse_event(sns(BOUNCE)).addresses == ("gone@example.com",)
    assert parse_event(json.dumps(BOUNCE)).kind == "bounce"  # raw message delivery
    assert parse_event(sns(SOFT)).kind == "ignored"
    assert parse_event(sns(COMPLAINT)).kind == "complaint"
    assert parse_event(json.dumps({"eventType": "Delivery"})).kind == "ignored"
    for bad in ("not json", json.dumps({"eventType": "Mystery"}), "[1]"):
        with pytest.raises(ValueError):
            parse_event(bad)


def test_flow_marks_bounced_and_complained_and_keeps_unparseable(env_settings, monkeypatch):
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="ses-events")["QueueUrl"]
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("ACADEMICHUB_SES_EVENTS_QUEUE_URL", url)
        engine = open_database(Settings())
        with session_scope(engine) as s:
            for a in ("gone@example.com", "full@example.com", "angry@example.com", "happy@example.com"):
                upsert_subscriber(s, a, ProfileInput(interests="x"))
        for body in (sns(BOUNCE), sns(SOFT), sns(COMPLAINT), "garbage"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        report = process_ses_events()
        assert report.bounced == ["gone@example.com"] and report.complained == ["angry@example.com"]
        assert report.ignored == 1 and report.unparseable == 1
        from tests.test_flows import read_artifacts

        md = read_artifacts("ses-events")[0]["data"]  # Markdown with real line breaks, as the UI shows it
        assert "\n- hard bounces: 1 gone@example.com\n" in md and "\\n" not in md
        with session_scope(engine) as s:
            status = {x.email: x.status for x in s.exec(select(Subscriber))}
            assert status == {
                "gone@example.com": "bounced",
                "full@example.com": "active",
                "angry@example.com": "complained",
                "happy@example.com": "active",
            }
            assert {sub.email for sub, _ in active_subscribers(s, date(2026, 6, 22))} == {
                "full@example.com",
                "happy@example.com",
            }
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        # The three handled events were deleted; the unparseable one is still in the queue (in flight, for the
        # redrive policy).
        assert int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"]) == 1
        assert process_ses_events().bounced == []  # idempotent: already bounced
