// Runs one mutation for a confirmation dialog: resolves to the message to show (request
// error or the mutation's `errors`), or null after notifying the dashboard of success.
import { useCallback } from "react";
import { useClient } from "urql";
import { useNotify } from "../dashboard";
import { mutationFailure, type MutationError } from "./errors";

export function useAction() {
  const client = useClient();
  const notify = useNotify();
  return useCallback(
    async (
      document: string,
      variables: Record<string, unknown>,
      field: string,
      successTitle: string,
    ): Promise<string | null> => {
      const result = await client.mutation(document, variables).toPromise();
      const payload = (result.data as Record<string, { errors?: MutationError[] } | null> | undefined)?.[field];
      const failure = mutationFailure(result, payload?.errors);
      if (failure) {
        notify("error", failure);
        return failure;
      }
      notify("success", successTitle);
      return null;
    },
    [client, notify],
  );
}
