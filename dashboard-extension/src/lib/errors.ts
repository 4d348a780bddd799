// One shape for everything that can go wrong talking to the API, so every page shows the
// same error, permission-denied and sign-in views with the API's own message.
import type { CombinedError } from "@urql/core";

export type ProblemKind = "permission" | "auth" | "network" | "api";

export interface Problem {
  kind: ProblemKind;
  message: string;
}

export interface MutationError {
  field?: string | null;
  code: string;
  message: string;
}

const PERMISSION_CODES = new Set(["PERMISSION_DENIED", "PermissionDenied", "FORBIDDEN"]);
const AUTH_CODES = new Set(["INVALID_TOKEN", "UNAUTHENTICATED", "JWT_EXPIRED"]);

function codeOf(extensions: Record<string, unknown> | undefined): string | undefined {
  if (!extensions) return undefined;
  if (typeof extensions.code === "string") return extensions.code;
  const exception = extensions.exception as { code?: unknown } | undefined;
  return typeof exception?.code === "string" ? exception.code : undefined;
}

export function problemFromError(error: CombinedError): Problem {
  const status = (error.response as Response | undefined)?.status;
  const first = error.graphQLErrors[0];
  if (first) {
    const code = codeOf(first.extensions as Record<string, unknown>);
    if ((code && PERMISSION_CODES.has(code)) || /permission/i.test(first.message)) {
      return { kind: "permission", message: first.message };
    }
    if ((code && AUTH_CODES.has(code)) || status === 401) {
      return { kind: "auth", message: first.message };
    }
    return { kind: "api", message: error.graphQLErrors.map((e) => e.message).join("\n") };
  }
  if (status === 403) return { kind: "permission", message: error.message };
  if (status === 401) return { kind: "auth", message: error.message };
  return { kind: "network", message: error.networkError?.message ?? error.message };
}

/** The first error of a mutation result, or of the request, as a message to show. */
export function mutationFailure(
  result: { error?: CombinedError; data?: unknown },
  errors: MutationError[] | undefined | null,
): string | null {
  if (result.error) return problemFromError(result.error).message;
  if (errors && errors.length > 0) {
    return errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join("\n");
  }
  return null;
}
