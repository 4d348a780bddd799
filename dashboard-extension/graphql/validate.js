// Validates every operation in this folder against a schema (SDL file). Used by the Vitest
// test (src/graphql/documents.test.ts) and by `npm run validate-documents`.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildASTSchema, parse, validate } from "graphql";
import { assemble, indexDocuments } from "./assemble.js";

export const DOCUMENTS_DIR = dirname(fileURLToPath(import.meta.url));
export const CONTRACT_SCHEMA = join(DOCUMENTS_DIR, "contract-schema.graphql");
export const APP_SCHEMA = join(DOCUMENTS_DIR, "..", "..", "graphql", "schema.graphql");

function walk(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return walk(path);
    return path.endsWith(".graphql") && !path.endsWith("contract-schema.graphql") ? [path] : [];
  });
}

export function loadDocuments() {
  const files = Object.fromEntries(
    walk(DOCUMENTS_DIR).map((path) => [relative(DOCUMENTS_DIR, path), readFileSync(path, "utf8")]),
  );
  return indexDocuments(files);
}

// Federation directives (@link, @key, @shareable...) are not defined in an exported subgraph
// SDL; assumeValidSDL lets graphql-js build the schema without their definitions.
export function loadSchema(path) {
  return buildASTSchema(parse(readFileSync(path, "utf8")), { assumeValidSDL: true });
}

/** @returns {Array<{name: string, errors: string[]}>} one entry per operation */
export function validateAll(schema, index = loadDocuments()) {
  return Object.keys(index.operations)
    .sort()
    .map((name) => {
      const document = parse(assemble(name, index));
      // graphql-js 16 does not flag an operation whose root type the schema lacks.
      const missingRoots = document.definitions
        .filter((d) => d.kind === "OperationDefinition" && !schema.getRootType(d.operation))
        .map((d) => `the schema has no ${d.operation} type`);
      const errors = [...missingRoots, ...validate(schema, document).map((e) => e.message)];
      return { name, errors };
    });
}
