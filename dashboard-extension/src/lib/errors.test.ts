import { CombinedError } from "urql";
import { mutationFailure, problemFromError } from "./errors";

const withStatus = (error: CombinedError, status: number) => Object.assign(error, { response: { status } });

describe("API errors", () => {
  it("recognises a permission refusal by code or by message", () => {
    expect(
      problemFromError(
        new CombinedError({ graphQLErrors: [{ message: "Denied", extensions: { code: "PERMISSION_DENIED" } } as never] }),
      ),
    ).toEqual({ kind: "permission", message: "Denied" });
    expect(
      problemFromError(
        new CombinedError({
          graphQLErrors: [{ message: "You need one of the following permissions: MANAGE_ORDERS" } as never],
        }),
      ).kind,
    ).toBe("permission");
    expect(
      problemFromError(
        new CombinedError({ graphQLErrors: [{ message: "No", extensions: { exception: { code: "PermissionDenied" } } } as never] }),
      ).kind,
    ).toBe("permission");
  });

  it("recognises a refused token (the API answers 401 INVALID_TOKEN)", () => {
    const error = withStatus(
      new CombinedError({
        graphQLErrors: [{ message: "Authentication failed: the token has expired.", extensions: { code: "INVALID_TOKEN" } } as never],
      }),
      401,
    );
    expect(problemFromError(error)).toEqual({ kind: "auth", message: "Authentication failed: the token has expired." });
  });

  it("keeps the API's own message for anything else", () => {
    const error = new CombinedError({
      graphQLErrors: [{ message: 'Cannot query field "withdrawals" on type "Query".' } as never, { message: "second" } as never],
    });
    expect(problemFromError(error)).toEqual({ kind: "api", message: 'Cannot query field "withdrawals" on type "Query".\nsecond' });
  });

  it("reports a network failure", () => {
    expect(problemFromError(new CombinedError({ networkError: new Error("Failed to fetch") }))).toEqual({
      kind: "network",
      message: "Failed to fetch",
    });
  });

  it("turns mutation errors into one message", () => {
    expect(mutationFailure({}, [{ field: "amount", code: "INSUFFICIENT_FUNDS", message: "Not enough available" }])).toBe(
      "amount: Not enough available",
    );
    expect(mutationFailure({}, [])).toBeNull();
  });
});
