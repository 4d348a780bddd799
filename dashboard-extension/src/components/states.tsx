// The four states every view can be in besides "here is the data".
import { Button, Skeleton, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { CombinedError } from "urql";
import { problemFromError, type Problem } from "../lib/errors";
import type { Permission } from "../lib/permissions";

export function Loading({ rows = 4 }: { rows?: number }) {
  const { t } = useTranslation();
  return (
    <div role="status" aria-live="polite" aria-label={t("common.loading")} className="stack" data-state="loading">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} style={{ height: 20 }} />
      ))}
    </div>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="state" data-state="empty">
      <Text color="default2">{children ?? t("states.emptyTitle")}</Text>
    </div>
  );
}

export function PermissionDenied({ permissions }: { permissions: readonly string[] }) {
  const { t } = useTranslation();
  return (
    <div className="state" data-state="permission-denied" role="alert">
      <Text size={6} fontWeight="bold">
        {t("states.permissionTitle")}
      </Text>
      <Text color="default2">{t("states.permissionText", { permissions: permissions.join(", ") })}</Text>
    </div>
  );
}

export function ProblemView({
  problem,
  permissions = [],
  onRetry,
}: {
  problem: Problem;
  permissions?: readonly Permission[];
  onRetry?: () => void;
}) {
  const { t } = useTranslation();
  if (problem.kind === "permission") return <PermissionDenied permissions={permissions} />;
  if (problem.kind === "auth") {
    return (
      <div className="state" data-state="auth" role="alert">
        <Text size={6} fontWeight="bold">
          {t("states.authTitle")}
        </Text>
        <Text color="default2">{t("states.authText", { message: problem.message })}</Text>
      </div>
    );
  }
  return (
    <div className="state" data-state="error" role="alert">
      <Text size={6} fontWeight="bold">
        {t("states.errorTitle")}
      </Text>
      <pre className="critical" data-testid="api-message">
        {problem.message}
      </pre>
      {onRetry && (
        <Button variant="secondary" onClick={onRetry}>
          {t("common.retry")}
        </Button>
      )}
    </div>
  );
}

export function ErrorView({
  error,
  permissions,
  onRetry,
}: {
  error: CombinedError;
  permissions?: readonly Permission[];
  onRetry?: () => void;
}) {
  return <ProblemView problem={problemFromError(error)} permissions={permissions} onRetry={onRetry} />;
}

/** Loading / error / content for one query result. An error wins over partial data: a
 * response can carry both (a field the API refused, or does not have yet). */
export function QueryState<T>({
  result,
  permissions,
  onRetry,
  children,
}: {
  result: { fetching: boolean; error?: CombinedError; data?: T };
  permissions?: readonly Permission[];
  onRetry?: () => void;
  children: (data: T) => ReactNode;
}) {
  if (result.error) {
    return <ErrorView error={result.error} permissions={permissions} onRetry={onRetry} />;
  }
  if (!result.data) return <Loading />;
  return <>{children(result.data)}</>;
}
