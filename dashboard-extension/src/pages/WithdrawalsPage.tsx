import { Button, Checkbox, Text } from "@saleor/macaw-ui";
import { Fragment, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Pager } from "../components/Pager";
import { Empty, QueryState } from "../components/states";
import { Card, PageTitle, StatusBadge } from "../components/ui";
import { doc } from "../graphql/documents";
import type { Connection, Withdrawal, WithdrawalEvent, WithdrawalStatus } from "../graphql/types";
import { useFormat } from "../lib/format";
import { useAction } from "../lib/useAction";

export const QUEUE: WithdrawalStatus[] = [
  "REQUESTED",
  "APPROVED",
  "SUBMITTED",
  "AWAITING_CONFIRMATION",
  "FAILED",
  "PAID",
  "REJECTED",
  "CANCELLED",
];
const LIST = doc("Withdrawals");
const HISTORY = doc("WithdrawalHistory");
const PAGE_SIZE = 20;

type Dialog = { kind: "approve" | "reject"; withdrawal: Withdrawal } | { kind: "batch"; ids: string[] } | null;

export function WithdrawalsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const run = useAction();
  const [status, setStatus] = useState<WithdrawalStatus>("REQUESTED");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [historyOf, setHistoryOf] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [result, refetch] = useQuery<{ withdrawals: Connection<Withdrawal> | null }>({
    query: LIST,
    variables: {
      first: PAGE_SIZE,
      after: cursors[cursors.length - 1],
      filter: { status: [status] },
      sortBy: { field: "REQUESTED_AT", direction: status === "REQUESTED" ? "ASC" : "DESC" },
    },
  });
  const refresh = () => {
    setSelected(new Set());
    refetch({ requestPolicy: "network-only" });
  };
  const switchTo = (next: WithdrawalStatus) => {
    setStatus(next);
    setCursors([null]);
    setSelected(new Set());
  };
  const done = (failure: string | null) => {
    if (!failure) refresh();
    return failure;
  };
  const channel = (w: Withdrawal) => t(`channel.${w.channel}`, { defaultValue: w.channel });

  return (
    <>
      <PageTitle
        actions={
          status === "REQUESTED" && (
            <Button
              variant="primary"
              disabled={selected.size === 0}
              onClick={() => setDialog({ kind: "batch", ids: [...selected] })}
              data-testid="batch-approve"
            >
              {t("withdrawals.batchApprove", { count: selected.size })}
            </Button>
          )
        }
      >
        {t("withdrawals.title")}
      </PageTitle>
      <div className="tabs" role="group">
        {QUEUE.map((value) => (
          <button key={value} aria-pressed={status === value} onClick={() => switchTo(value)} data-status-tab={value}>
            {t(`withdrawalStatus.${value}`)}
          </button>
        ))}
      </div>
      <Card flush>
        <QueryState result={result} permissions={["MANAGE_ORDERS"]} onRetry={refresh}>
          {(data) => {
            const connection = data.withdrawals;
            if (!connection || connection.edges.length === 0) return <Empty>{t("withdrawals.none")}</Empty>;
            const ids = connection.edges.map((edge) => edge.node.id);
            const allSelected = ids.every((id) => selected.has(id));
            return (
              <>
                <table className="data" data-testid="withdrawal-table">
                  <thead>
                    <tr>
                      {status === "REQUESTED" && (
                        <th>
                          <Checkbox
                            checked={allSelected}
                            onCheckedChange={() => setSelected(allSelected ? new Set() : new Set(ids))}
                            aria-label={t("withdrawals.selectAll")}
                          />
                        </th>
                      )}
                      <th>{t("withdrawals.columns.distributor")}</th>
                      <th>{t("withdrawals.columns.payee")}</th>
                      <th className="num">{t("withdrawals.columns.amount")}</th>
                      <th className="num">{t("withdrawals.columns.fee")}</th>
                      <th className="num">{t("withdrawals.columns.net")}</th>
                      <th>{t("withdrawals.columns.status")}</th>
                      <th>{t("withdrawals.columns.provider")}</th>
                      <th>{t("withdrawals.columns.requested")}</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {connection.edges.map(({ node }) => (
                      <Fragment key={node.id}>
                        <tr data-withdrawal={node.id}>
                          {status === "REQUESTED" && (
                            <td>
                              <Checkbox
                                checked={selected.has(node.id)}
                                onCheckedChange={() => {
                                  const next = new Set(selected);
                                  if (next.has(node.id)) next.delete(node.id);
                                  else next.add(node.id);
                                  setSelected(next);
                                }}
                                aria-label={node.distributor.code}
                              />
                            </td>
                          )}
                          <td>
                            {node.distributor.displayName || node.distributor.code}
                            <div className="muted">{node.distributor.code}</div>
                          </td>
                          <td>
                            {node.payee}
                            <div className="muted">{channel(node)}</div>
                          </td>
                          <td className="num">{format.money(node.amount)}</td>
                          <td className="num">{format.money(node.fee)}</td>
                          <td className="num">
                            <strong>{format.money(node.net)}</strong>
                          </td>
                          <td>
                            <StatusBadge group="withdrawalStatus" status={node.status} />
                          </td>
                          <td>
                            {node.providerStatus ?? "—"}
                            {(node.failureReason || node.rejectionReason) && (
                              <div className="critical">{node.failureReason ?? node.rejectionReason}</div>
                            )}
                          </td>
                          <td>{format.dateTime(node.requestedAt)}</td>
                          <td>
                            <div className="row" style={{ justifyContent: "flex-end", flexWrap: "nowrap" }}>
                              {node.status === "REQUESTED" && (
                                <>
                                  <Button size="small" variant="primary" onClick={() => setDialog({ kind: "approve", withdrawal: node })} data-testid="approve">
                                    {t("withdrawals.approve")}
                                  </Button>
                                  <Button size="small" variant="error" onClick={() => setDialog({ kind: "reject", withdrawal: node })} data-testid="reject">
                                    {t("withdrawals.reject")}
                                  </Button>
                                </>
                              )}
                              <Button size="small" variant="tertiary" onClick={() => setHistoryOf(historyOf === node.id ? null : node.id)}>
                                {historyOf === node.id ? t("withdrawals.hideHistory") : t("withdrawals.history")}
                              </Button>
                            </div>
                          </td>
                        </tr>
                        {historyOf === node.id && (
                          <tr>
                            <td colSpan={10}>
                              <History id={node.id} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    ))}
                  </tbody>
                </table>
                <Pager
                  atFirst={cursors.length === 1}
                  hasNextPage={connection.pageInfo.hasNextPage}
                  onFirst={() => setCursors([null])}
                  onNext={() => setCursors([...cursors, connection.pageInfo.endCursor])}
                />
              </>
            );
          }}
        </QueryState>
      </Card>
      {dialog?.kind === "approve" && (
        <ConfirmDialog
          open
          onClose={() => setDialog(null)}
          title={t("withdrawals.confirm.approveTitle", { amount: format.money(dialog.withdrawal.amount) })}
          text={t("withdrawals.confirm.approveText", {
            net: format.money(dialog.withdrawal.net),
            payee: dialog.withdrawal.payee,
            channel: channel(dialog.withdrawal),
          })}
          confirmLabel={t("withdrawals.approve")}
          onConfirm={async () =>
            done(await run(doc("WithdrawalApprove"), { id: dialog.withdrawal.id }, "withdrawalApprove", t("withdrawals.done.approve")))
          }
        />
      )}
      {dialog?.kind === "reject" && (
        <ConfirmDialog
          open
          destructive
          requireReason
          onClose={() => setDialog(null)}
          title={t("withdrawals.confirm.rejectTitle", { amount: format.money(dialog.withdrawal.amount) })}
          text={t("withdrawals.confirm.rejectText")}
          confirmLabel={t("withdrawals.reject")}
          onConfirm={async (reason) =>
            done(await run(doc("WithdrawalReject"), { id: dialog.withdrawal.id, reason }, "withdrawalReject", t("withdrawals.done.reject")))
          }
        />
      )}
      {dialog?.kind === "batch" && (
        <ConfirmDialog
          open
          onClose={() => setDialog(null)}
          title={t("withdrawals.confirm.batchTitle", { count: dialog.ids.length })}
          text={t("withdrawals.confirm.batchText")}
          confirmLabel={t("withdrawals.batchApprove", { count: dialog.ids.length })}
          onConfirm={async () =>
            done(
              await run(
                doc("WithdrawalsApprove"),
                { ids: dialog.ids },
                "withdrawalsApprove",
                t("withdrawals.done.batch", { count: dialog.ids.length }),
              ),
            )
          }
        />
      )}
    </>
  );
}

function History({ id }: { id: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [result, refetch] = useQuery<{ withdrawal: { events: WithdrawalEvent[] } | null }>({
    query: HISTORY,
    variables: { id },
    requestPolicy: "network-only",
  });
  return (
    <QueryState result={result} permissions={["MANAGE_ORDERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
      {(data) => {
        const events = data.withdrawal?.events ?? [];
        if (events.length === 0) return <Text color="default2">{t("withdrawals.noHistory")}</Text>;
        return (
          <ol className="stack" style={{ margin: 0, paddingLeft: 20 }} data-testid="withdrawal-history">
            {events.map((event, index) => (
              <li key={index}>
                <strong>{event.type}</strong> · {format.dateTime(event.at)}
                {event.actor && <span className="muted"> · {event.actor}</span>}
                {event.message && <div className="muted">{event.message}</div>}
              </li>
            ))}
          </ol>
        );
      }}
    </QueryState>
  );
}
