// Every document the extension sends, assembled from the .graphql files in ../../graphql/
// (each operation with the fragments it spreads). Nothing else in src/ writes GraphQL.
import { assemble, indexDocuments } from "../../graphql/assemble.js";

const files = import.meta.glob("../../graphql/{queries,mutations,fragments}/*.graphql", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

const index = indexDocuments(files);

export function doc(name: string): string {
  return assemble(name, index);
}

export const operationNames = (): string[] => Object.keys(index.operations).sort();
