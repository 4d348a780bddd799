#!/usr/bin/env node
// Prints which GraphQL documents the extension sends are valid against the contract (must
// all be) and against the app's exported schema, graphql/schema.graphql (reported; with
// --strict, any invalid document fails the run).
import { APP_SCHEMA, CONTRACT_SCHEMA, loadSchema, validateAll } from "../graphql/validate.js";

const strict = process.argv.includes("--strict");
let failed = false;
for (const [label, path, mustPass] of [
  ["contract", CONTRACT_SCHEMA, true],
  ["app schema", APP_SCHEMA, strict],
]) {
  const results = validateAll(loadSchema(path));
  const invalid = results.filter((r) => r.errors.length > 0);
  console.log(`${label} (${path}): ${results.length - invalid.length} of ${results.length} documents valid`);
  for (const { name, errors } of invalid) {
    console.log(`  not yet valid: ${name}: ${errors[0]}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ""}`);
  }
  if (invalid.length > 0 && mustPass) failed = true;
}
process.exit(failed ? 1 : 0);
