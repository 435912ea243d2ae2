"""E-mail texts and their machine-readable twins."""

from __future__ import annotations

import json

from pipeline_src import notifications
from pipeline_src.validation import quarantine_plan

SUMMARY = {
    "source": {
        "bucket": "raw",
        "key": "incoming/sales_2026-11-02.csv",
        "version_id": "v1",
        "uploaded_at": "2026-11-02T10:00:00Z",
    },
    "rows_read": 30,
    "rows_accepted": 25,
    "rows_rejected": 5,
    "rejected_by_reason": {"INVALID_PRICE": 3, "MISSING_VALUE": 2},
    "duplicates_dropped": 0,
    "partition_column": "genre",
    "rows_by_partition": {"Fiction": 20, "History": 5},
    "rejects_uri": "s3://processed/rejects/sales_2026-11-02.csv.rejects.csv",
    "table": "retail.sales",
    "duration_s": 2.5,
}


def test_success_mail_names_the_file_the_counts_the_reasons_and_where_to_look():
    note = notifications.success(SUMMARY)
    assert note.subject == "Sales file loaded: sales_2026-11-02.csv (25 rows)"
    assert "Rows loaded:   25" in note.text and "Rows rejected: 5" in note.text
    assert "3 rows: INVALID_PRICE" in note.text and "2 rows: MISSING_VALUE" in note.text
    assert SUMMARY["rejects_uri"] in note.text and "retail.sales" in note.text
    message = json.loads(note.sns_message())
    assert message["email"] == note.text
    facts = json.loads(message["email-json"])
    assert (facts["outcome"], facts["rows_rejected"]) == ("loaded", 5)
    assert message["default"] == message["email-json"]


def test_rejection_mail_explains_the_reason_and_the_quarantine_copy():
    report = {
        "valid": False,
        "reason_code": "MISSING_COLUMNS",
        "rows": 0,
        "reasons": [{"code": "MISSING_COLUMNS", "message": "the header lacks genre"}],
        "source": {"bucket": "raw", "key": "incoming/x.csv", "version_id": "v9"},
    }
    report["quarantine"] = quarantine_plan(report, "raw", "incoming/x.csv", "v9", "raw")
    note = notifications.rejected(report)
    assert note.subject == "Sales file rejected: x.csv (MISSING_COLUMNS)"
    assert "the header lacks genre" in note.text
    assert "s3://raw/quarantine/x.csv" in note.text
    assert report["quarantine"]["metadata"]["reject-reason"] == "MISSING_COLUMNS"
    assert report["quarantine"]["copy_source"] == "raw/incoming/x.csv?versionId=v9"
    assert (
        json.loads(json.loads(note.sns_message())["email-json"])["reason_code"] == "MISSING_COLUMNS"
    )


def test_failure_mail_extracts_the_message_from_a_json_cause():
    cause = json.dumps({"errorMessage": "boom in Glue", "errorType": "RuntimeError"})
    note = notifications.failed(
        {"bucket": "raw", "key": "incoming/é.csv"}, {"Error": "States.TaskFailed", "Cause": cause}
    )
    assert "Cause: boom in Glue" in note.text
    assert note.subject.isascii() and len(note.subject) <= 100


def test_failure_mail_names_the_missing_permission():
    # The wording AWS gives (IAM User Guide, "Troubleshooting access denied error messages").
    cause = json.dumps(
        {
            "ErrorMessage": "botocore.exceptions.ClientError: An error occurred (AccessDenied) "
            "when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role/"
            "shop-glue/GlueJobRunnerSession is not authorized to perform: s3:PutObject on "
            "resource: arn:aws:s3:::shop-processed/sales/genre=Fiction/part-0.parquet because no "
            "identity-based policy allows the s3:PutObject action"
        }
    )
    note = notifications.failed(
        {"bucket": "raw", "key": "incoming/a.csv"}, {"Error": "States.TaskFailed", "Cause": cause}
    )
    assert (
        "Missing permission: s3:PutObject on "
        "arn:aws:s3:::shop-processed/sales/genre=Fiction/part-0.parquet" in note.text
    )
    assert "(for arn:aws:sts::123456789012:assumed-role/shop-glue/GlueJobRunnerSession)" in (
        note.text
    )
    assert note.data["missing_permission"]["action"] == "s3:PutObject"
    plain = notifications.failed({"key": "k"}, {"Error": "X", "Cause": "boom"})
    assert "Missing permission" not in plain.text and "missing_permission" not in plain.data


def test_a_superseded_load_says_the_newer_upload_is_the_one_shown():
    assert "newer upload" not in notifications.success({**SUMMARY, "committed": True}).text
    note = notifications.success({**SUMMARY, "committed": False})
    assert "A newer upload of the same file was loaded meanwhile" in note.text
