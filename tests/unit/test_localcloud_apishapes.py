"""Optional members of the emulated services' answers are left out when unset, as AWS does."""

from infra_scripts.localcloud.apishapes import optional_fields


def test_unset_members_are_left_out_and_zero_and_false_kept():
    assert optional_fields(
        ErrorMessage=None,
        StateChangeReason="",
        Arguments={},
        SubStatements=[],
        Attempt=0,
        Retryable=False,
        ExecutionTime=0.0,
        GlueVersion="4.0",
    ) == {"Attempt": 0, "Retryable": False, "ExecutionTime": 0.0, "GlueVersion": "4.0"}
