"""The pipeline's own resources: uploaded artifacts, the Glue database and table, the two
Lambda functions, the Glue Python-shell job, the state machine and the upload rule."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from infra_scripts.provision import policies
from infra_scripts.provision.artifacts import Artifacts
from infra_scripts.provision.core import Resource, StackContext, absent_on, canonical
from pipeline_src import events, naming
from pipeline_src.etl.catalog import loads_table_input, table_input
from pipeline_src.statemachine import render

LAMBDA_RUNTIME = "python3.11"
GLUE_MAX_CAPACITY = 0.0625  # the smallest Python-shell size: 1/16 DPU
GLUE_TIMEOUT_MINUTES = 30
GLUE_MAX_CONCURRENT_RUNS = 100  # a burst (a backfill) runs at once; billing is per run


def _tag_list(ctx: StackContext) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in ctx.tags.items()]


class ArtifactObjects(Resource):
    """The Lambda package, the Glue script and its library zip in the artifacts bucket."""

    kind = "artifacts"

    def __init__(self, ctx: StackContext, artifacts: Artifacts) -> None:
        super().__init__(ctx, f"s3://{ctx.names.bucket('artifacts')}/")
        self.bucket = ctx.names.bucket("artifacts")
        self.artifacts = artifacts
        self.s3 = ctx.client("s3")

    def desired(self) -> dict[str, Any]:
        return {
            key: hashlib.md5(body).hexdigest() for key, body in self.artifacts.objects().items()
        }

    def current(self) -> dict[str, Any] | None:
        if (
            absent_on(lambda: self.s3.head_bucket(Bucket=self.bucket), "404", "NoSuchBucket")
            is None
        ):
            return None
        found: dict[str, Any] = {}
        for key in self.artifacts.objects():
            head = absent_on(lambda k=key: self.s3.head_object(Bucket=self.bucket, Key=k), "404")
            found[key] = head["ETag"].strip('"') if head else None
        return found if any(found.values()) else None

    def create(self) -> None:
        self.update(list(self.desired()))

    def update(self, drift: list[str]) -> None:
        objects = self.artifacts.objects()
        for key in drift:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=objects[key])

    def remove(self) -> bool:
        live = {key for key, etag in (self.current() or {}).items() if etag}
        for key in sorted(live):
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        return bool(live)

    def outputs(self) -> dict[str, str]:
        return {"artifacts_prefix": self.name}


class GlueDatabase(Resource):
    kind = "glue database"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.database)
        self.glue = ctx.client("glue")

    def desired(self) -> dict[str, Any]:
        return {"exists": True}

    def current(self) -> dict[str, Any] | None:
        found = absent_on(lambda: self.glue.get_database(Name=self.name), "EntityNotFoundException")
        return {"exists": True} if found else None

    def create(self) -> None:
        self.glue.create_database(
            DatabaseInput={
                "Name": self.name,
                "Description": f"Retail Pipeline Kit {self.ctx.settings.stack_name}: sales",
            },
            Tags=self.ctx.tags,
        )

    def update(self, drift: list[str]) -> None:
        return None

    def remove(self) -> bool:
        gone = absent_on(
            lambda: self.glue.delete_database(Name=self.name), "EntityNotFoundException"
        )
        return gone is not None


class GlueTable(Resource):
    """The sales table, or (``loads=True``) the commit markers' table.

    The job itself appends compatible columns and registers partitions.
    """

    kind = "glue table"

    def __init__(self, ctx: StackContext, *, loads: bool = False) -> None:
        self.table = ctx.names.loads_table if loads else ctx.names.table
        super().__init__(ctx, f"{ctx.names.database}.{self.table}")
        self.loads = loads
        self.glue = ctx.client("glue")

    @property
    def location(self) -> str:
        prefix = naming.LOADS_PREFIX if self.loads else naming.TABLE_PREFIX
        return f"s3://{self.ctx.names.bucket('processed')}/{prefix}"

    def _input(self) -> dict[str, Any]:
        spec = loads_table_input if self.loads else table_input
        return spec(self.table, self.location, self.ctx.contract)

    def desired(self) -> dict[str, Any]:
        spec = self._input()
        return {
            "location": self.location,
            "columns": _name_types(spec["StorageDescriptor"]["Columns"]),
            "partition_keys": _name_types(spec["PartitionKeys"]),
        }

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.glue.get_table(DatabaseName=self.ctx.names.database, Name=self.table),
            "EntityNotFoundException",
        )
        if found is None:
            return None
        table = found["Table"]
        return {
            "location": table["StorageDescriptor"].get("Location"),
            "columns": _name_types(table["StorageDescriptor"].get("Columns", [])),
            "partition_keys": _name_types(table.get("PartitionKeys", [])),
        }

    def create(self) -> None:
        self.glue.create_table(DatabaseName=self.ctx.names.database, TableInput=self._input())

    def update(self, drift: list[str]) -> None:
        self.glue.update_table(DatabaseName=self.ctx.names.database, TableInput=self._input())

    def remove(self) -> bool:
        gone = absent_on(
            lambda: self.glue.delete_table(DatabaseName=self.ctx.names.database, Name=self.table),
            "EntityNotFoundException",
        )
        return gone is not None

    def outputs(self) -> dict[str, str]:
        if self.loads:
            return {"loads_table": self.table}
        return {"glue_table": self.table, "table_location": self.location}


def _name_types(columns: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"Name": c["Name"], "Type": c["Type"].lower()} for c in columns]


class LambdaFunction(Resource):
    """ValidateFile or Notify: same package, own handler, configuration and log group."""

    kind = "lambda function"

    def __init__(
        self, ctx: StackContext, artifacts: Artifacts, role: str, handler: str, memory_mb: int
    ) -> None:
        super().__init__(
            ctx, ctx.names.function if role == "validate" else ctx.names.notify_function
        )
        self.role_name = role
        self.handler = handler
        self.memory_mb = memory_mb
        self.artifacts = artifacts
        self.lam = ctx.client("lambda")

    def _environment(self) -> dict[str, str]:
        names = self.ctx.names
        if self.role_name == "validate":
            return {"QUARANTINE_BUCKET": names.bucket("quarantine")}
        return {
            "TOPIC_ARN": policies.topic_arn(self.ctx),
            "PROCESSED_BUCKET": names.bucket("processed"),
        }

    def _configuration(self) -> dict[str, Any]:
        return {
            "Runtime": LAMBDA_RUNTIME,
            "Role": policies.role_arn(self.ctx, "lambda"),
            "Handler": self.handler,
            "Timeout": 60,
            "MemorySize": self.memory_mb,
            "Environment": {"Variables": self._environment()},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.name}"},
        }

    def desired(self) -> dict[str, Any]:
        config = self._configuration()
        return {
            "code_sha256": self.artifacts.lambda_sha256,
            "runtime": config["Runtime"],
            "role": config["Role"],
            "handler": config["Handler"],
            "timeout": config["Timeout"],
            "memory_mb": config["MemorySize"],
            "environment": config["Environment"]["Variables"],
        }

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.lam.get_function_configuration(FunctionName=self.name),
            "ResourceNotFoundException",
        )
        if found is None:
            return None
        return {
            "code_sha256": found.get("CodeSha256"),
            "runtime": found.get("Runtime"),
            "role": found.get("Role"),
            "handler": found.get("Handler"),
            "timeout": found.get("Timeout"),
            "memory_mb": found.get("MemorySize"),
            "environment": (found.get("Environment") or {}).get("Variables", {}),
        }

    def create(self) -> None:
        config = self._configuration()
        config.pop("LoggingConfig")  # the default group /aws/lambda/<name>, created with retention
        self.lam.create_function(
            FunctionName=self.name,
            Code={"ZipFile": self.artifacts.lambda_zip},
            Description=f"Retail Pipeline Kit {self.ctx.settings.stack_name}: {self.role_name}",
            Tags=self.ctx.tags,
            **config,
        )

    def update(self, drift: list[str]) -> None:
        if "code_sha256" in drift:
            self.lam.update_function_code(FunctionName=self.name, ZipFile=self.artifacts.lambda_zip)
            self._wait_updated()
        if set(drift) - {"code_sha256"}:
            config = self._configuration()
            config.pop("LoggingConfig")
            self.lam.update_function_configuration(FunctionName=self.name, **config)
            self._wait_updated()

    def _wait_updated(self) -> None:
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=self.name, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
        )

    def remove(self) -> bool:
        gone = absent_on(
            lambda: self.lam.delete_function(FunctionName=self.name), "ResourceNotFoundException"
        )
        return gone is not None

    def outputs(self) -> dict[str, str]:
        return {f"{self.role_name}_function": self.name}


class GlueJob(Resource):
    """The Python-shell ETL job: script and library from the artifacts bucket."""

    kind = "glue job"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.job)
        self.glue = ctx.client("glue")

    def _spec(self) -> dict[str, Any]:
        names, artifacts = self.ctx.names, f"s3://{self.ctx.names.bucket('artifacts')}"
        return {
            "Role": policies.role_arn(self.ctx, "glue"),
            "Command": {
                "Name": "pythonshell",
                "ScriptLocation": f"{artifacts}/glue/job.py",
                "PythonVersion": "3.9",
            },
            "DefaultArguments": {
                "--extra-py-files": f"{artifacts}/glue/pipeline_src.zip",
                "--additional-python-modules": "openpyxl",
                "--processed-bucket": names.bucket("processed"),
                "--database": names.database,
                "--table": names.table,
                "library-set": "analytics",
            },
            "ExecutionProperty": {"MaxConcurrentRuns": GLUE_MAX_CONCURRENT_RUNS},
            "MaxCapacity": GLUE_MAX_CAPACITY,
            "Timeout": GLUE_TIMEOUT_MINUTES,
            "GlueVersion": "3.0",
        }

    def desired(self) -> dict[str, Any]:
        return {"spec": canonical(self._spec())}

    def current(self) -> dict[str, Any] | None:
        found = absent_on(lambda: self.glue.get_job(JobName=self.name), "EntityNotFoundException")
        if found is None:
            return None
        job = found["Job"]
        live = {key: job.get(key) for key in self._spec()}
        return {"spec": canonical(live)}

    def create(self) -> None:
        self.glue.create_job(Name=self.name, Tags=self.ctx.tags, **self._spec())

    def update(self, drift: list[str]) -> None:
        self.glue.update_job(JobName=self.name, JobUpdate=self._spec())

    def remove(self) -> bool:
        if self.current() is None:
            return False
        self.glue.delete_job(JobName=self.name)
        return True

    def outputs(self) -> dict[str, str]:
        return {"glue_job": self.name}


class StateMachine(Resource):
    """The pipeline ASL with its placeholders filled, logging errors to CloudWatch."""

    kind = "state machine"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.state_machine)
        self.sfn = ctx.client("stepfunctions")
        self.arn = policies.state_machine_arn(ctx)

    def _definition(self) -> str:
        names = self.ctx.names
        return render(
            {
                "ValidateFunctionArn": self.ctx.arn("lambda", f"function:{names.function}"),
                "NotifyFunctionArn": self.ctx.arn("lambda", f"function:{names.notify_function}"),
                "GlueJobName": names.job,
            }
        )

    def _logging(self) -> dict[str, Any]:
        group = self.ctx.arn("logs", f"log-group:{policies.states_log_group(self.ctx)}:*")
        return {
            "level": "ERROR",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group}}],
        }

    def desired(self) -> dict[str, Any]:
        return {
            "definition": canonical(self._definition()),
            "role": policies.role_arn(self.ctx, "states"),
            "logging": canonical(self._logging()),
        }

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.sfn.describe_state_machine(stateMachineArn=self.arn),
            "StateMachineDoesNotExist",
        )
        if found is None:
            return None
        return {
            "definition": canonical(found["definition"]),
            "role": found["roleArn"],
            "logging": canonical(found.get("loggingConfiguration") or {}),
        }

    def create(self) -> None:
        self.sfn.create_state_machine(
            name=self.name,
            definition=self._definition(),
            roleArn=policies.role_arn(self.ctx, "states"),
            type="STANDARD",
            loggingConfiguration=self._logging(),
            tags=[{"key": k, "value": v} for k, v in self.ctx.tags.items()],
        )

    def update(self, drift: list[str]) -> None:
        self.sfn.update_state_machine(
            stateMachineArn=self.arn,
            definition=self._definition(),
            roleArn=policies.role_arn(self.ctx, "states"),
            loggingConfiguration=self._logging(),
        )

    def remove(self) -> bool:
        if self.current() is None:
            return False
        self.sfn.delete_state_machine(stateMachineArn=self.arn)
        return True

    def outputs(self) -> dict[str, str]:
        return {"state_machine_arn": self.arn}


class UploadRule(Resource):
    """EventBridge rule: objects created under ``incoming/`` in the raw bucket start a run."""

    kind = "eventbridge rule"
    TARGET_ID = "pipeline"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.rule)
        self.events = ctx.client("events")

    def _target(self) -> dict[str, Any]:
        return {
            "Id": self.TARGET_ID,
            "Arn": policies.state_machine_arn(self.ctx),
            "RoleArn": policies.role_arn(self.ctx, "events"),
            "InputTransformer": {
                "InputPathsMap": events.RULE_INPUT_PATHS,
                "InputTemplate": events.RULE_INPUT_TEMPLATE,
            },
        }

    def _pattern(self) -> dict[str, Any]:
        return events.event_pattern(self.ctx.names.bucket("raw"), naming.INCOMING_PREFIX)

    def desired(self) -> dict[str, Any]:
        return {
            "pattern": canonical(self._pattern()),
            "state": "ENABLED",
            "target": canonical(self._target()),
        }

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.events.describe_rule(Name=self.name), "ResourceNotFoundException"
        )
        if found is None:
            return None
        targets = self.events.list_targets_by_rule(Rule=self.name)["Targets"]
        target = next((t for t in targets if t["Id"] == self.TARGET_ID), None)
        return {
            "pattern": canonical(found.get("EventPattern", "{}")),
            "state": found.get("State"),
            "target": canonical(target) if target else None,
        }

    def create(self) -> None:
        self.events.put_rule(
            Name=self.name,
            EventPattern=json.dumps(self._pattern()),
            State="ENABLED",
            Description="Sales files uploaded under incoming/ start the pipeline",
            Tags=_tag_list(self.ctx),
        )
        self.events.put_targets(Rule=self.name, Targets=[self._target()])

    def update(self, drift: list[str]) -> None:
        self.create()

    def remove(self) -> bool:
        if self.current() is None:
            return False
        self.events.remove_targets(Rule=self.name, Ids=[self.TARGET_ID])
        self.events.delete_rule(Name=self.name)
        return True

    def outputs(self) -> dict[str, str]:
        return {"upload_rule": self.name}
