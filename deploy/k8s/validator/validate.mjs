// Validates Kubernetes manifests offline, each document three ways:
// 1. against the Kubernetes OpenAPI schema, by kubernetes-models' validators (types, required fields, enums, formats);
// 2. every field name against the models of the official client, @kubernetes/client-node, generated from the same
//    OpenAPI spec: a misspelt field, which the schema lets through, is an error (as kubeconform -strict has it);
// 3. the project's own rules: an Indexed Job's completions equal its --shards, the merge lists every shard's folder,
//    every container requests CPU and memory, and reason serve has probes on /health and its key from a Secret.
// Usage: node validate.mjs FILE.yaml...   Exit 1 when any document fails.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as client from "@kubernetes/client-node";

async function schemaErrors(doc) {
  const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : [null, doc.apiVersion];
  let Model;
  try {
    Model = (await import(`kubernetes-models/${group ? group + "/" : ""}${version}/${doc.kind}`))[doc.kind];
  } catch {
    return [`no schema for ${doc.apiVersion} ${doc.kind}`];
  }
  try {
    new Model(doc).validate();
    return [];
  } catch (e) {
    return [e.message];
  }
}

/** The names in `value` that the client's model of `type` lacks, recursively. */
function unknownFields(value, type, path, out) {
  if (value === null || typeof value !== "object") return out;
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    value.forEach((v, i) => unknownFields(v, m[1], `${path}[${i}]`, out));
  } else if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, m[1], `${path}.${k}`, out);
  } else if (client[type]?.attributeTypeMap) {
    const fields = new Map(client[type].attributeTypeMap.map((a) => [a.baseName, a.type]));
    for (const [k, v] of Object.entries(value)) {
      if (!fields.has(k)) out.push(`${path}.${k}: no such field in ${type}`);
      else unknownFields(v, fields.get(k), `${path}.${k}`, out);
    }
  }
  return out;
}

function modelName(doc) {
  const version = doc.apiVersion.split("/").pop();
  return version[0].toUpperCase() + version.slice(1) + doc.kind;
}

/** The project's rules for its reason bench Jobs and its reason serve Deployment. */
function projectErrors(doc) {
  const errors = [];
  const containers = doc.spec?.template?.spec?.containers ?? [];
  for (const c of containers) {
    const args = (c.args ?? []).map(String);
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) {
      errors.push(`container ${c.name} requests no CPU or no memory: the scheduler needs both`);
    }
    const shards = args.indexOf("--shards");
    if (shards >= 0 && doc.spec.completions !== Number(args[shards + 1])) {
      errors.push(`completions ${doc.spec.completions} but --shards ${args[shards + 1]}: they must be the same`);
    }
    if (shards >= 0 && doc.spec.completionMode !== "Indexed") {
      errors.push("--shards takes JOB_COMPLETION_INDEX: completionMode must be Indexed");
    }
    if (args[0] === "bench" && args[1] === "merge") {
      const dirs = args.slice(3);
      const want = dirs.map((_, i) => dirs[0].replace(/shard-\d+$/, `shard-${i}`));
      if (JSON.stringify(dirs) !== JSON.stringify(want)) {
        errors.push(`bench merge should list ${want.join(" ")}`);
      }
    }
    if (args[0] === "serve") {
      for (const probe of ["readinessProbe", "livenessProbe"]) {
        if (c[probe]?.httpGet?.path !== "/health") errors.push(`reason serve needs a ${probe} on /health`);
      }
      if (args.includes("--api-key")) errors.push("--api-key in args shows the key: take REASON_API_KEY from a Secret");
      if (!(c.env ?? []).some((e) => e.name === "REASON_API_KEY" && e.valueFrom?.secretKeyRef)) {
        errors.push("reason serve takes REASON_API_KEY from a Secret (env valueFrom secretKeyRef)");
      }
    }
  }
  return errors;
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const parsed of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (parsed.errors.length) {
      console.log(`${file}: YAML: ${parsed.errors[0].message.split("\n")[0]}`);
      failed++;
      continue;
    }
    const doc = parsed.toJS();
    if (!doc) continue;
    const name = `${file}: ${doc.kind} ${doc.metadata?.name}`;
    const errors = [...(await schemaErrors(doc)), ...unknownFields(doc, modelName(doc), doc.kind, []),
      ...projectErrors(doc)];
    console.log(errors.length ? `${name}: INVALID: ${errors.join("; ")}` : `${name}: valid`);
    failed += errors.length ? 1 : 0;
  }
}
process.exit(failed ? 1 : 0);
