"""Athena workgroup calls the provisioning relies on, answered as AWS answers them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.helpers import unique

pytestmark = pytest.mark.localcloud


def test_unknown_workgroup_is_invalid_request(session):
    athena = session.client("athena")
    name = unique("wg")
    for call in (athena.get_work_group, athena.delete_work_group):
        with pytest.raises(ClientError) as err:
            call(WorkGroup=name)
        assert err.value.response["Error"]["Code"] == "InvalidRequestException"
        assert f"WorkGroup {name} is not found." in err.value.response["Error"]["Message"]


def test_update_work_group_changes_the_cutoff(session):
    athena, name = session.client("athena"), unique("wg")
    athena.create_work_group(
        Name=name, Configuration={"BytesScannedCutoffPerQuery": 100 * 1024 * 1024}
    )
    athena.update_work_group(
        WorkGroup=name, ConfigurationUpdates={"BytesScannedCutoffPerQuery": 20 * 1024 * 1024}
    )
    config = athena.get_work_group(WorkGroup=name)["WorkGroup"]["Configuration"]
    assert config["BytesScannedCutoffPerQuery"] == 20 * 1024 * 1024
