import { Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

export function Card({
  title,
  actions,
  flush = false,
  children,
  testId,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  flush?: boolean;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="card" data-testid={testId}>
      {(title || actions) && (
        <header>
          <Text size={5} fontWeight="bold">
            {title}
          </Text>
          {actions && <div className="row">{actions}</div>}
        </header>
      )}
      <div className={flush ? "body flush" : "body"}>{children}</div>
    </section>
  );
}

const TONES: Record<string, string> = {
  ACTIVE: "success",
  PAID: "success",
  AVAILABLE: "success",
  APPLIED: "warning",
  REQUESTED: "warning",
  PENDING: "warning",
  FROZEN: "info",
  APPROVED: "info",
  SUBMITTED: "info",
  AWAITING_CONFIRMATION: "info",
  WITHDRAWING: "info",
  SUSPENDED: "critical",
  REJECTED: "critical",
  FAILED: "critical",
  REVERSED: "critical",
  CANCELLED: "",
  WITHDRAWN: "",
};

/** A status label; `group` picks the translation (distributorStatus, withdrawalStatus…). */
export function StatusBadge({ group, status }: { group: string; status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ${TONES[status] ?? ""}`} data-status={status}>
      {t(`${group}.${status}`, { defaultValue: status })}
    </span>
  );
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="row" style={{ justifyContent: "space-between" }}>
      <Text as="h1" size={8} fontWeight="bold" margin={0}>
        {children}
      </Text>
      {actions && <div className="row">{actions}</div>}
    </div>
  );
}

export function Field({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <label className="field">
      {label}
      {children}
    </label>
  );
}
