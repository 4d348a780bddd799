import type { ReactNode } from "react";
import { useDashboard } from "../dashboard";
import { missingPermissions, type Permission } from "../lib/permissions";
import { PermissionDenied } from "./states";

/** Shows the permission-denied view instead of children the token does not allow. */
export function Guard({ permissions, children }: { permissions: Permission[]; children: ReactNode }) {
  const { token } = useDashboard();
  const missing = missingPermissions(token, permissions);
  if (missing.length > 0) return <PermissionDenied permissions={missing} />;
  return <>{children}</>;
}
