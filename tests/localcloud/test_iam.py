"""IAM in the local cloud: code acting as a role is allowed what AWS would allow it, and
refused with AWS's error and wording.

Principals are role sessions (``sts:AssumeRole`` by the operator, or the credentials the
local cloud gives a Lambda handler, a Glue script, a state machine's tasks); every request
is a real boto3 call. Messages are AWS's, as the IAM User Guide's "Troubleshooting access
denied error messages" gives them ("User: <arn> is not authorized to perform: <action> on
resource: <arn> because no identity-based policy allows the <action> action").
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.helpers import create_function, unique, wait_until, zip_code

pytestmark = pytest.mark.localcloud

ACCOUNT = "123456789012"
SEED = Path(__file__).resolve().parents[2] / "sample_data" / "seed"


def _trust(service: str) -> dict[str, Any]:
    """A trust policy letting ``service`` (``lambda``, ``glue`` …) assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": f"{service}.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


LAMBDA_TRUST, STATES_TRUST, GLUE_TRUST = _trust("lambda"), _trust("states"), _trust("glue")


def _allow(actions: list[str] | str, resources: list[str] | str, effect: str = "Allow") -> dict:
    return {"Effect": effect, "Action": actions, "Resource": resources}


def _role(session: boto3.Session, *statements: dict[str, Any], trust: dict | None = None) -> str:
    """A new role with one inline policy of ``statements`` (none: no policy at all)."""
    iam = session.client("iam")
    name = unique("iam-test")
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust or LAMBDA_TRUST)
    )["Role"]["Arn"]
    if statements:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="inline",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )
    return arn


def _as_role(local_cloud, session: boto3.Session, role_arn: str, name: str = "tester") -> Any:
    """A client factory signing as a session of ``role_arn`` (AssumeRole by the operator)."""
    credentials = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=name)[
        "Credentials"
    ]
    assumed = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=session.region_name,
    )
    config = Config(retries={"max_attempts": 1})

    def client(service: str) -> Any:
        return assumed.client(service, endpoint_url=local_cloud.endpoint, config=config)

    return client


def _function(session: boto3.Session, name: str, role: str, source: str) -> None:
    """A Python function acting as ``role`` whose ``app.py`` is ``source``."""
    session.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zip_code({"app.py": source})},
    )


def _denied(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


@pytest.fixture(scope="module")
def bucket(session) -> str:
    name = unique("iam-bucket")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=name)
    for key in ("data/a.csv", "secret/b.csv"):
        s3.put_object(Bucket=name, Key=key, Body=b"x,y\n1,2\n")
    return name


def test_a_role_with_no_s3_grant_is_denied_in_aws_words(local_cloud, session, bucket):
    role = _role(session, _allow("sns:Publish", "*"))
    s3 = _as_role(local_cloud, session, role, "reader")("s3")
    response = _denied(lambda: s3.get_object(Bucket=bucket, Key="data/a.csv"))
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    role_name = role.rsplit("/", 1)[1]
    assert response["Error"]["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/reader is not authorized to "
        f"perform: s3:GetObject on resource: arn:aws:s3:::{bucket}/data/a.csv because no "
        "identity-based policy allows the s3:GetObject action"
    )


def test_a_role_without_any_policy_is_denied_and_the_operator_is_not(local_cloud, session, bucket):
    s3 = _as_role(local_cloud, session, _role(session))("s3")
    assert _denied(lambda: s3.list_objects_v2(Bucket=bucket))["Error"]["Code"] == "AccessDenied"
    # The operator's own dummy credentials act as an administrator's.
    assert session.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 2


def test_an_explicit_deny_beats_s3_star(local_cloud, session, bucket):
    role = _role(
        session,
        _allow("s3:*", "*"),
        _allow("s3:GetObject", f"arn:aws:s3:::{bucket}/secret/*", effect="Deny"),
    )
    s3 = _as_role(local_cloud, session, role)("s3")
    assert s3.get_object(Bucket=bucket, Key="data/a.csv")["Body"].read() == b"x,y\n1,2\n"
    message = _denied(lambda: s3.get_object(Bucket=bucket, Key="secret/b.csv"))["Error"]["Message"]
    assert message.endswith(
        f"is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::{bucket}/secret/b.csv with an explicit deny in an identity-based policy"
    )


def test_resource_arns_scope_a_grant(local_cloud, session, bucket):
    role = _role(session, _allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{bucket}/data/*"))
    s3 = _as_role(local_cloud, session, role)("s3")
    s3.put_object(Bucket=bucket, Key="data/new.csv", Body=b"1")
    assert s3.get_object(Bucket=bucket, Key="data/new.csv")["Body"].read() == b"1"
    for call in (
        lambda: s3.get_object(Bucket=bucket, Key="secret/b.csv"),
        lambda: s3.put_object(Bucket=bucket, Key="secret/c.csv", Body=b"1"),
        lambda: s3.list_objects_v2(Bucket=bucket),  # s3:ListBucket is on the bucket's ARN
    ):
        assert _denied(call)["Error"]["Code"] == "AccessDenied"
    # A HEAD is s3:GetObject too: 403 without a body.
    assert _denied(lambda: s3.head_object(Bucket=bucket, Key="secret/b.csv"))["Error"]["Code"] in (
        "403",
        "Forbidden",
    )


def _bucket_with_policy(session: boto3.Session, effect: str, role: str) -> str:
    """A bucket holding ``k`` whose policy has one statement: ``effect`` s3:GetObject for
    ``role``."""
    name = unique("iam-policy-bucket")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    statement = {
        "Effect": effect,
        "Principal": {"AWS": role},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    s3.put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    return name


def test_a_bucket_policy_deny_for_one_role(local_cloud, session):
    denied_role = _role(session, _allow("s3:*", "*"))
    other_role = _role(session, _allow("s3:*", "*"))
    name = _bucket_with_policy(session, "Deny", denied_role)
    denied = _as_role(local_cloud, session, denied_role, "blocked")("s3")
    message = _denied(lambda: denied.get_object(Bucket=name, Key="k"))["Error"]["Message"]
    assert message.endswith("with an explicit deny in a resource-based policy")
    other = _as_role(local_cloud, session, other_role)("s3")
    assert other.get_object(Bucket=name, Key="k")["Body"].read() == b"v"


def test_a_bucket_policy_alone_grants_a_role_of_the_account(local_cloud, session):
    """Same account: an allow in the resource-based policy suffices ("Policy evaluation
    logic", IAM User Guide: "Evaluating identity-based and resource-based policies")."""
    role = _role(session)  # no identity-based policy at all
    name = _bucket_with_policy(session, "Allow", role)
    reader = _as_role(local_cloud, session, role)("s3")
    assert reader.get_object(Bucket=name, Key="k")["Body"].read() == b"v"


def test_json_services_answer_access_denied_exception(local_cloud, session):
    client = _as_role(local_cloud, session, _role(session, _allow("s3:*", "*")))
    glue = client("glue")
    response = _denied(lambda: glue.get_databases())
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert "glue:GetDatabases" in response["Error"]["Message"]
    sfn = client("stepfunctions")
    assert _denied(lambda: sfn.list_state_machines())["Error"]["Code"] == "AccessDeniedException"
    sns = client("sns")
    assert _denied(lambda: sns.list_topics())["Error"]["Code"] == "AuthorizationError"


def test_get_caller_identity_inside_lambda_is_the_assumed_role(session):
    role = _role(session)  # GetCallerIdentity needs no permission
    name = unique("whoami")
    _function(
        session,
        name,
        role,
        (
            "import os, boto3\n"
            "def handler(event, context):\n"
            "    me = boto3.client('sts').get_caller_identity()\n"
            "    return {'arn': me['Arn'], 'key': os.environ['AWS_ACCESS_KEY_ID'],\n"
            "            'token': bool(os.environ.get('AWS_SESSION_TOKEN'))}\n"
        ),
    )
    answer = json.loads(session.client("lambda").invoke(FunctionName=name)["Payload"].read())
    assert answer["arn"] == (f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[1]}/{name}")
    assert answer["key"].startswith("ASIA") and answer["token"]


def test_lambda_code_is_denied_what_its_role_lacks(session, bucket):
    role = _role(session, _allow("s3:GetObject", f"arn:aws:s3:::{bucket}/data/*"))
    name = unique("reader")
    _function(
        session,
        name,
        role,
        (
            "import boto3, botocore\n"
            "def handler(event, context):\n"
            "    s3 = boto3.client('s3')\n"
            "    try:\n"
            "        s3.get_object(Bucket=event['b'], Key=event['k'])\n"
            "        return 'read'\n"
            "    except botocore.exceptions.ClientError as e:\n"
            "        return e.response['Error']['Code']\n"
        ),
    )

    def invoke(key: str) -> str:
        payload = json.dumps({"b": bucket, "k": key})
        return json.loads(
            session.client("lambda").invoke(FunctionName=name, Payload=payload)["Payload"].read()
        )

    assert invoke("data/a.csv") == "read"
    assert invoke("secret/b.csv") == "AccessDenied"


def _machine(session: boto3.Session, role: str, definition: dict) -> str:
    return session.client("stepfunctions").create_state_machine(
        name=unique("iam-machine"), roleArn=role, definition=json.dumps(definition)
    )["stateMachineArn"]


def _finished(session: boto3.Session, machine: str, payload: dict | None = None) -> dict:
    sfn = session.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload or {}))[
        "executionArn"
    ]
    return wait_until(
        lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
        deadline_s=60,
    )


def test_a_state_machine_role_without_invoke_fails_the_task(session):
    function = create_function(session, unique("echo"), "def handler(e, c):\n    return e\n")
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function["FunctionArn"], "Payload.$": "$"},
                "End": True,
            }
        },
    }
    denied_role = _role(session, _allow("sns:Publish", "*"), trust=STATES_TRUST)
    failed = _finished(session, _machine(session, denied_role, definition))
    assert failed["status"] == "FAILED"
    assert failed["error"] == "Lambda.AccessDeniedException"
    assert (
        f"is not authorized to perform: lambda:InvokeFunction on resource: "
        f"{function['FunctionArn']} because no identity-based policy allows the "
        "lambda:InvokeFunction action" in failed["cause"]
    )
    allowed_role = _role(
        session, _allow("lambda:InvokeFunction", function["FunctionArn"]), trust=STATES_TRUST
    )
    succeeded = _finished(session, _machine(session, allowed_role, definition), {"n": 1})
    assert succeeded["status"] == "SUCCEEDED", succeeded
    assert json.loads(succeeded["output"])["Payload"] == {"n": 1}


GLUE_SCRIPT = """\
import sys
import boto3
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["bucket"])
boto3.client("s3").put_object(Bucket=args["bucket"], Key="data/from-glue.txt", Body=b"hi")
"""


def test_a_glue_role_without_put_object_fails_the_run(session, bucket):
    s3, glue = session.client("s3"), session.client("glue")
    s3.put_object(Bucket=bucket, Key="scripts/put.py", Body=GLUE_SCRIPT.encode())
    role = _role(
        session, _allow("s3:GetObject", f"arn:aws:s3:::{bucket}/scripts/*"), trust=GLUE_TRUST
    )
    job = unique("iam-job")
    glue.create_job(
        Name=job,
        Role=role,
        Command={"Name": "pythonshell", "ScriptLocation": f"s3://{bucket}/scripts/put.py"},
    )
    run_id = glue.start_job_run(JobName=job, Arguments={"--bucket": bucket})["JobRunId"]
    run = wait_until(
        lambda: (
            (r := glue.get_job_run(JobName=job, RunId=run_id)["JobRun"])["JobRunState"]
            in ("SUCCEEDED", "FAILED", "ERROR")
            and r
        ),
        deadline_s=60,
    )
    assert run["JobRunState"] == "FAILED"
    assert "AccessDenied" in run["ErrorMessage"]
    assert "s3:PutObject" in run["ErrorMessage"]


def test_eventbridge_starts_a_target_only_if_its_role_may(local_cloud, session):
    machine = _machine(
        session,
        _role(session, trust=STATES_TRUST),
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    )
    events = session.client("events")
    source = unique("kit.test")

    def rule_with(role: str) -> None:
        name = unique("iam-rule")
        events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))
        events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": machine, "RoleArn": role}])

    events_trust = _trust("events")
    rule_with(_role(session, _allow("sns:Publish", "*"), trust=events_trust))
    events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": "{}"}])
    time.sleep(1.0)
    sfn = session.client("stepfunctions")
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []
    rule_with(_role(session, _allow("states:StartExecution", machine), trust=events_trust))
    events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": "{}"}])
    wait_until(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])


def test_the_stack_fails_and_mails_when_its_glue_role_loses_put_object(local_cloud, session):
    """The kit's least-privilege roles are what the pipeline runs under: take
    s3:PutObject away from the Glue role and a good file fails, naming the permission."""
    from infra_scripts.localcloud.outbox import list_mail
    from tests.pipeline_stack import deploy, wait_for_execution

    stack = deploy(session, local_cloud.settings, prefix="iam")
    iam, s3 = session.client("iam"), session.client("s3")
    job = session.client("glue").get_job(JobName=stack.job_name)["Job"]
    role_name = job["Role"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role_name, PolicyName="least-privilege")
    document = policy["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    without_put = json.loads(json.dumps(document))
    for statement in without_put["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        statement["Action"] = [a for a in actions if a != "s3:PutObject"] or ["s3:GetObject"]
    iam.put_role_policy(
        RoleName=role_name, PolicyName="least-privilege", PolicyDocument=json.dumps(without_put)
    )
    body = (SEED / "sales_2026-10-26.csv").read_bytes()
    key = "incoming/iam/sales_2026-10-26.csv"
    version = s3.put_object(Bucket=stack.raw_bucket, Key=key, Body=body)["VersionId"]
    failed = wait_for_execution(session, stack, key, version, 90)
    assert failed["status"] == "FAILED", failed
    history = session.client("stepfunctions").get_execution_history(
        executionArn=failed["executionArn"], maxResults=1000
    )["events"]
    causes = " ".join(str(e.get("taskFailedEventDetails", {}).get("cause", "")) for e in history)
    assert "AccessDenied" in causes and "s3:PutObject" in causes
    mails = wait_until(
        lambda: [
            m
            for m in list_mail(local_cloud.settings, to=stack.email)
            if "failed" in m.subject.lower() and "sales_2026-10-26" in m.subject
        ]
    )
    assert "Missing permission: s3:PutObject on arn:aws:s3:::" + stack.processed_bucket in (
        mails[0].body
    )

    iam.put_role_policy(
        RoleName=role_name, PolicyName="least-privilege", PolicyDocument=json.dumps(document)
    )
    again = s3.put_object(Bucket=stack.raw_bucket, Key=key, Body=body)["VersionId"]
    assert wait_for_execution(session, stack, key, again, 90)["status"] == "SUCCEEDED"


def test_each_denial_is_logged_and_counted(local_cloud, session, bucket):
    from infra_scripts.localcloud import process

    s3 = _as_role(local_cloud, session, _role(session), "logged")("s3")
    _denied(lambda: s3.get_object(Bucket=bucket, Key="secret/b.csv"))
    log = process.log_file(local_cloud.settings).read_text()
    assert (
        f"access denied: User: arn:aws:sts::{ACCOUNT}:assumed-role/" in log
        and f"/logged is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::{bucket}/secret/b.csv"
        in log
    )
    figures = process.probe(local_cloud.settings.local_port)["iam"]
    assert figures["enforced"] is True and figures["denied"] >= 1


def test_no_iam_allows_everything_but_code_still_acts_as_its_role():
    from infra_scripts.localcloud import LocalCloud, process

    with LocalCloud(iam=False) as cloud:
        session = cloud.session()
        session.client("s3").create_bucket(Bucket="open")
        session.client("s3").put_object(Bucket="open", Key="k", Body=b"v")
        role = _role(session)  # no policy at all
        client = _as_role(cloud, session, role, "free")
        assert client("s3").get_object(Bucket="open", Key="k")["Body"].read() == b"v"
        assert (
            client("sts")
            .get_caller_identity()["Arn"]
            .endswith(":assumed-role/" + (role.rsplit("/", 1)[1] + "/free"))
        )
        assert process.probe(cloud.settings.local_port)["iam"]["enforced"] is False
        assert "IAM off" in process.status(cloud.settings).describe()


def test_a_session_of_a_role_created_later_is_evaluated_from_then_on(local_cloud, session, bucket):
    """moto issues sessions of role ARNs that name no role (AWS refuses such roles at
    create): not restricted while the role is missing, evaluated once it exists."""
    name = unique("later-role")
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    s3 = _as_role(local_cloud, session, arn)("s3")
    assert s3.get_object(Bucket=bucket, Key="data/a.csv")["Body"].read() == b"x,y\n1,2\n"
    session.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
    )
    assert _denied(lambda: s3.get_object(Bucket=bucket, Key="data/a.csv"))["Error"]["Code"] == (
        "AccessDenied"
    )
