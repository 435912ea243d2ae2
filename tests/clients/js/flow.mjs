// The AWS SDK for JavaScript v3 against the local cloud, configured as its users configure a
// custom endpoint: `endpoint` (and `forcePathStyle` for S3) on each client, dummy keys.
// Run by tests/clients/test_js_sdk.py, which passes the settings through the environment
// and checks the JSON this prints on stdout.
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { GetTablesCommand, GlueClient } from "@aws-sdk/client-glue";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const config = {
  endpoint: env("LOCAL_ENDPOINT"),
  region: env("LOCAL_REGION"),
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
};
const bucket = env("LOCAL_BUCKET");
const database = env("LOCAL_DATABASE");
const table = env("LOCAL_TABLE");
const roleArn = env("LOCAL_ROLE_ARN");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll(probe, done, deadlineMs = 60000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

async function s3Flow() {
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const key = "js-sdk/hello.json";
  const put = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify({ hello: "books" }), ContentType: "application/json" }),
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { etag: put.ETag, body: await got.Body.transformToString(), contentType: got.ContentType };
}

async function athenaFlow() {
  const athena = new AthenaClient(config);
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: `SELECT region, count(*) AS n FROM ${table} GROUP BY region ORDER BY region`,
      QueryExecutionContext: { Database: database },
      ResultConfiguration: { OutputLocation: `s3://${bucket}/athena-results/` },
    }),
  );
  const execution = await poll(
    () => athena.send(new GetQueryExecutionCommand({ QueryExecutionId })),
    (e) => !["QUEUED", "RUNNING"].includes(e.QueryExecution.Status.State),
  );
  const results = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
  return {
    state: execution.QueryExecution.Status.State,
    reason: execution.QueryExecution.Status.StateChangeReason ?? null,
    columns: results.ResultSet.ResultSetMetadata.ColumnInfo.map((c) => [c.Name, c.Type]),
    rows: results.ResultSet.Rows.map((r) => r.Data.map((d) => d.VarCharValue ?? null)),
  };
}

async function glueFlow() {
  const glue = new GlueClient(config);
  const { TableList } = await glue.send(new GetTablesCommand({ DatabaseName: database }));
  return {
    tables: TableList.map((t) => t.Name),
    partitionKeys: TableList.find((t) => t.Name === table).PartitionKeys.map((k) => k.Name),
  };
}

async function sfnFlow() {
  const sfn = new SFNClient(config);
  const definition = {
    StartAt: "Shout",
    States: { Shout: { Type: "Pass", Parameters: { "shelf.$": "$.shelf", source: "js-sdk" }, End: true } },
  };
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({ name: `js-machine-${Date.now()}`, definition: JSON.stringify(definition), roleArn }),
  );
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ shelf: "poetry" }) }),
  );
  const described = await poll(
    () => sfn.send(new DescribeExecutionCommand({ executionArn })),
    (d) => d.status !== "RUNNING",
  );
  return { status: described.status, output: described.output ? JSON.parse(described.output) : null };
}

const report = {
  s3: await s3Flow(),
  athena: await athenaFlow(),
  glue: await glueFlow(),
  sfn: await sfnFlow(),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
