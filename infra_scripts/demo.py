"""``make demo``: the real pipeline on the local cloud, from upload to an Athena answer.

Starts the local cloud if needed, deploys the stack, uploads the seed-format sample files
plus two bad ones, follows the executions, and prints the outcome of each file, the mails
the shop owner got and revenue per partition value (genre for the bookstore) through
Athena. The business is the ``contract`` setting's (``retailkit demo --contract cafe``), its
samples ``sample_data/<business>/``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import awswrangler as wr

from infra_scripts.config import Settings
from infra_scripts.localcloud import process
from infra_scripts.localcloud.outbox import list_mail
from infra_scripts.ops.executions import wait_for_executions
from infra_scripts.ops.queries import athena_sql
from infra_scripts.ops.uploads import BAD_PAIR, sample_files, upload_files
from infra_scripts.provision import deploy
from infra_scripts.session import make_session


def run_demo(settings: Settings, deadline_s: float = 300.0) -> bool:
    """Run the demo, printing each step; True when every file ended as expected."""
    settings = Settings.load(env={}, **{**vars(settings), "target": "local"})
    contract = settings.load_contract()
    files = sample_files(contract, BAD_PAIR)
    started = time.perf_counter()
    status, fresh = process.start(settings)
    print(f"1. local cloud {'started' if fresh else 'already running'}: {status.describe()}")
    session = make_session(settings)
    result = deploy(settings, session, progress=lambda _: None)
    outputs = result.outputs
    print(
        f"2. deployed stack '{settings.stack_name}': {result.created} created, "
        f"{result.updated} updated, {len(result.changes)} resources ({result.seconds:.1f}s)"
    )
    since = datetime.now(UTC) - timedelta(seconds=1)
    upload_files(session, outputs["raw_bucket"], files, show_progress=False)
    print(f"3. uploaded {len(files)} files to s3://{outputs['raw_bucket']}/incoming/")
    runs = wait_for_executions(
        session, outputs["state_machine_arn"], count=len(files), since=since, deadline_s=deadline_s
    )
    print("4. executions:")
    expected_failures = {f"incoming/{BAD_PAIR[0]}"}
    ok = True
    for run in runs.sort_values("key").itertuples():
        wanted = "FAILED" if run.key in expected_failures else "SUCCEEDED"
        ok &= run.status == wanted
        print(f"   {run.status:9} {run.seconds:5.1f}s  {run.key}")
    mails = [m for m in list_mail(settings, to=settings.email) if m.time >= since.isoformat()[:19]]
    print(f"5. {len(mails)} mails to {settings.email}, e.g.:")
    for mail in mails[:3]:
        print(f"   - {mail.subject}")
    revenue = wr.athena.read_sql_query(
        athena_sql("revenue_by_partition", outputs),
        database=outputs["glue_database"],
        workgroup=outputs["athena_workgroup"],
        ctas_approach=False,
        boto3_session=session,
    )
    print(f"6. revenue by {contract.partition} (Athena, the curated view: all loads so far):")
    for line in revenue.to_string(index=False).splitlines():
        print("   " + line)
    print(
        f"demo {'passed' if ok else 'FAILED'} in {time.perf_counter() - started:.1f}s — "
        "stop the local cloud with `make local-stop`"
    )
    return ok
