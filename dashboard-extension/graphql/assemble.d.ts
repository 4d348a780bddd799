export interface DocumentIndex {
  operations: Record<string, string>;
  fragments: Record<string, string>;
}
export function indexDocuments(files: Record<string, string>): DocumentIndex;
export function assemble(name: string, index: DocumentIndex): string;
