/**
 * The Kubernetes manifests and the Dockerfile, checked for what the design relies on: an Indexed
 * Job whose completions, parallelism and REDFILL_SHARDS agree, `--shard auto`, retries per index,
 * the password from a Secret through REDISCLI_AUTH, the TLS files from a Secret volume, resources,
 * the verify Job on the same keyspace, and the container commands being the READMEs' commands.
 */

import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { readFillArgs } from "../../lib/cli/fill_args.ts";

const ROOT = new URL("../../", import.meta.url);

// deno-lint-ignore no-explicit-any
type Any = any;

async function job(path: string): Promise<Any> {
  const text = await Deno.readTextFile(new URL(path, ROOT));
  const document = parseDocument(text);
  assert.deepEqual(document.errors, [], path);
  const manifest = document.toJS() as Any;
  assert.equal(manifest.kind, "Job", path);
  return manifest;
}

function container(manifest: Any): Any {
  const containers = manifest.spec.template.spec.containers as Any[];
  assert.equal(containers.length, 1);
  return containers[0];
}

function envValue(manifest: Any, name: string): Any {
  return (container(manifest).env as Any[]).find((entry) => entry.name === name);
}

/** The container's command line as a README writes it. */
function commandLine(manifest: Any): string {
  const { command, args } = container(manifest);
  return [...command, ...args].join(" ");
}

/** The value after a flag in the container's args. */
function flag(manifest: Any, name: string): string | undefined {
  const args = container(manifest).args as string[];
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
}

Deno.test("fill-job.yaml is an Indexed Job with completions = parallelism = REDFILL_SHARDS, retried per index, running --shard auto", async () => {
  const fill = await job("deploy/kubernetes/fill-job.yaml");
  assert.equal(fill.apiVersion, "batch/v1");
  assert.equal(fill.spec.completionMode, "Indexed");
  const shards = Number(envValue(fill, "REDFILL_SHARDS")?.value);
  assert.ok(Number.isInteger(shards) && shards > 1, "REDFILL_SHARDS is a number of shards");
  assert.equal(fill.spec.completions, shards);
  assert.equal(fill.spec.parallelism, shards);
  assert.ok(fill.spec.backoffLimitPerIndex >= 1);
  assert.equal(fill.spec.maxFailedIndexes, 0);
  // backoffLimitPerIndex needs restartPolicy Never; it also keeps failed pods' logs.
  assert.equal(fill.spec.template.spec.restartPolicy, "Never");
  assert.equal(flag(fill, "--shard"), "auto");
  assert.ok(container(fill).args.includes("--no-verify"), "each shard skips its own verify");
  assert.ok(!container(fill).args.some((arg: string) => /^(-f|--flush)$/.test(arg)), "no flush");
});

for (const path of ["deploy/kubernetes/fill-job.yaml", "deploy/kubernetes/verify-job.yaml"]) {
  Deno.test(`${path} takes the password from a Secret and the TLS files from a Secret volume, with resources`, async () => {
    const manifest = await job(path);
    const auth = envValue(manifest, "REDISCLI_AUTH");
    assert.deepEqual(Object.keys(auth.valueFrom), ["secretKeyRef"]);
    assert.ok(auth.valueFrom.secretKeyRef.name && auth.valueFrom.secretKeyRef.key);
    assert.ok(!container(manifest).args.some((arg: string) => /^(-a|--password)$/.test(arg)));
    const mount = (container(manifest).volumeMounts as Any[])[0];
    assert.equal(mount.readOnly, true);
    const volume = (manifest.spec.template.spec.volumes as Any[])
      .find((entry) => entry.name === mount.name);
    assert.ok(volume.secret.secretName, "a Secret volume");
    const files = (volume.secret.items as Any[]).map((item) => `${mount.mountPath}/${item.path}`);
    for (const option of ["--cacert", "--cert", "--key"]) {
      assert.ok(files.includes(flag(manifest, option)!), `${option} is a file of the Secret`);
    }
    assert.match(flag(manifest, "--url")!, /^rediss:\/\//);
    const { requests, limits } = container(manifest).resources;
    assert.ok(requests.cpu && requests.memory && limits.cpu && limits.memory);
    // The flags are redfill's: they parse, and name the server (no local demo).
    const args = container(manifest).args as string[];
    assert.equal(args[0], "fill");
    const request = readFillArgs(
      args.slice(1),
      (name) => (name === "REDISCLI_AUTH" ? "pw" : undefined),
    );
    assert.ok(request !== undefined && !request.local);
    assert.ok(
      request.overrides.some((entry) =>
        "flag" in entry.origin && entry.origin.flag === "REDISCLI_AUTH"
      ),
    );
  });
}

Deno.test("the verify Job verifies the same keyspace as the fill Job, writing nothing", async () => {
  const fill = await job("deploy/kubernetes/fill-job.yaml");
  const verify = await job("deploy/kubernetes/verify-job.yaml");
  assert.ok(container(verify).args.includes("--verify-only"));
  assert.equal(verify.spec.completions, 1);
  for (const option of ["--url", "-d", "--seed", "--prefix", "--key-size", "--value-size"]) {
    assert.equal(flag(verify, option), flag(fill, option), option);
  }
  assert.equal(container(verify).image, container(fill).image);
});

Deno.test("the containers run the image's entry point with the commands the READMEs show", async () => {
  const dockerfile = await Deno.readTextFile(new URL("deploy/Dockerfile", ROOT));
  assert.match(dockerfile, /^FROM denoland\/deno:/m);
  assert.match(dockerfile, /deno install --frozen/);
  assert.match(dockerfile, /deno cache --frozen/);
  assert.match(dockerfile, /^WORKDIR \/app$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["\/app\/deploy\/shard-report\.sh"\]$/m);
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const deployReadme = await Deno.readTextFile(new URL("deploy/README.md", ROOT));
  for (const path of ["deploy/kubernetes/fill-job.yaml", "deploy/kubernetes/verify-job.yaml"]) {
    const manifest = await job(path);
    assert.deepEqual(container(manifest).command, ["/app/deploy/shard-report.sh"]);
    const line = commandLine(manifest);
    assert.ok(deployReadme.includes(`\n${line}\n`), `deploy/README.md shows: ${line}`);
    assert.ok(readme.includes(`\n${line}\n`), `README.md shows: ${line}`);
    assert.ok(readme.includes(`kubectl apply -f ${path}`), `README.md applies ${path}`);
  }
  assert.match(readme, /kubectl wait --for=condition=complete/);
  await Deno.stat(new URL("deploy/shard-report.sh", ROOT));
});
