import type { GraphQLSchema } from "graphql";
import type { DocumentIndex } from "./assemble";
export const DOCUMENTS_DIR: string;
export const CONTRACT_SCHEMA: string;
export const APP_SCHEMA: string;
export function loadDocuments(): DocumentIndex;
export function loadSchema(path: string): GraphQLSchema;
export function validateAll(schema: GraphQLSchema, index?: DocumentIndex): { name: string; errors: string[] }[];
