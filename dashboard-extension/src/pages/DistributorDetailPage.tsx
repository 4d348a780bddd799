import { Button, Checkbox, Input, Text } from "@saleor/macaw-ui";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useClient, useQuery } from "urql";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { GradeProgressCard } from "../components/GradeProgressCard";
import { Pager } from "../components/Pager";
import { TeamTree } from "../components/TeamTree";
import { Empty, QueryState } from "../components/states";
import { Card, Field, PageTitle, StatusBadge } from "../components/ui";
import { doc } from "../graphql/documents";
import type { AttributedOrder, Connection, DistributorDetail, DistributorRow, Grade, LedgerEntry } from "../graphql/types";
import { problemFromError } from "../lib/errors";
import { useFormat } from "../lib/format";
import { currencyDigits, parseAmountInput } from "../lib/money";
import { useAction } from "../lib/useAction";

const DETAIL = doc("DistributorDetail");
const LEDGER = doc("DistributorLedger");
const ORDERS = doc("DistributorOrders");
const GRADES = doc("Grades");
const LIST = doc("Distributors");
const PAGE_SIZE = 20;

type Action = "approve" | "reject" | "suspend" | "reinstate" | "setGrade" | "move" | "adjust";

/** Which status changes make sense from the current status. */
export function statusActions(status: DistributorDetail["status"]): Action[] {
  switch (status) {
    case "APPLIED":
      return ["approve", "reject"];
    case "ACTIVE":
      return ["suspend"];
    case "SUSPENDED":
      return ["reinstate"];
    default:
      return [];
  }
}

export function DistributorDetailPage({ id, navigate }: { id: string; navigate: (path: string) => void }) {
  const { t } = useTranslation();
  const [result, refetch] = useQuery<{ distributor: DistributorDetail | null }>({ query: DETAIL, variables: { id } });
  return (
    <>
      <div>
        <a
          href="/dashboard/distributors"
          onClick={(event) => {
            event.preventDefault();
            navigate("/distributors");
          }}
        >
          ← {t("detail.back")}
        </a>
      </div>
      <QueryState result={result} permissions={["MANAGE_USERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
        {(data) =>
          data.distributor ? (
            <DistributorView
              distributor={data.distributor}
              navigate={navigate}
              refresh={() => refetch({ requestPolicy: "network-only" })}
            />
          ) : (
            <Empty />
          )
        }
      </QueryState>
    </>
  );
}

function DistributorView({
  distributor,
  navigate,
  refresh,
}: {
  distributor: DistributorDetail;
  navigate: (path: string) => void;
  refresh: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const [tab, setTab] = useState<"team" | "ledger" | "orders">("team");
  const [dialog, setDialog] = useState<Action | null>(null);
  const open = (target: string) => navigate(`/distributors/${encodeURIComponent(target)}`);
  const name = distributor.displayName || distributor.code;
  const chain = [...distributor.uplines].reverse();

  return (
    <>
      <PageTitle
        actions={
          <>
            {statusActions(distributor.status).map((action) => (
              <Button
                key={action}
                variant={action === "reject" || action === "suspend" ? "error" : "primary"}
                onClick={() => setDialog(action)}
                data-testid={`action-${action}`}
              >
                {t(`detail.actions.${action}`)}
              </Button>
            ))}
            {(["setGrade", "move", "adjust"] as const).map((action) => (
              <Button key={action} variant="secondary" onClick={() => setDialog(action)} data-testid={`action-${action}`}>
                {t(`detail.actions.${action}`)}
              </Button>
            ))}
          </>
        }
      >
        {name} <span className="muted">{distributor.code}</span>
      </PageTitle>
      <div className="row">
        <StatusBadge group="distributorStatus" status={distributor.status} />
        {distributor.grade && <span className="badge">{distributor.grade.name}</span>}
        <Text color="default2">{distributor.email}</Text>
        <Text color="default2">{t("detail.joined", { date: format.date(distributor.joinedAt) })}</Text>
      </div>
      <div className="grid-halves">
        <Card title={t("detail.uplineChain")} testId="upline-chain">
          {chain.length === 0 ? (
            <Text color="default2">{t("detail.root")}</Text>
          ) : (
            <div className="chain">
              {chain.map((upline) => (
                <span key={upline.id} className="row">
                  <a
                    href="#"
                    onClick={(event) => {
                      event.preventDefault();
                      open(upline.id);
                    }}
                  >
                    {upline.displayName || upline.code} ({upline.code})
                  </a>
                  <span className="sep">→</span>
                </span>
              ))}
              <strong>{name}</strong>
            </div>
          )}
        </Card>
        <Card title={t("detail.balances")} flush>
          {distributor.balances.length === 0 ? (
            <Empty>{t("detail.noBalance")}</Empty>
          ) : (
            <table className="data" data-testid="balances">
              <thead>
                <tr>
                  <th />
                  {(["PENDING", "FROZEN", "AVAILABLE", "WITHDRAWING", "PAID"] as const).map((bucket) => (
                    <th key={bucket} className="num">
                      {t(`bucket.${bucket}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {distributor.balances.map((balance) => (
                  <tr key={balance.currency} data-currency={balance.currency}>
                    <td>{balance.currency}</td>
                    <td className="num">{format.money(balance.pending)}</td>
                    <td className="num">{format.money(balance.frozen)}</td>
                    <td className="num" data-bucket="available">
                      {format.money(balance.available)}
                    </td>
                    <td className="num">{format.money(balance.withdrawing)}</td>
                    <td className="num">{format.money(balance.paid)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <GradeProgressCard progress={distributor.nextGrade ?? null} hasGrade={Boolean(distributor.grade)} />
      <div className="tabs" role="tablist">
        {(["team", "ledger", "orders"] as const).map((key) => (
          <button key={key} role="tab" aria-pressed={tab === key} aria-selected={tab === key} onClick={() => setTab(key)}>
            {t(`detail.${key}`)}
          </button>
        ))}
      </div>
      {tab === "team" && (
        <Card
          title={t("detail.team")}
          flush
          actions={
            <span className="muted">
              {t("detail.teamSummary", {
                teamSize: format.number(distributor.teamSize),
                directCount: format.number(distributor.directCount),
              })}
              {distributor.teamCountByDepth.length > 0 &&
                " · " +
                  distributor.teamCountByDepth
                    .map((row) => t("detail.byDepth", { depth: row.depth, count: format.number(row.count) }))
                    .join(" · ")}
            </span>
          }
        >
          <TeamTree rootId={distributor.id} onOpen={open} />
        </Card>
      )}
      {tab === "ledger" && <LedgerTable distributorId={distributor.id} />}
      {tab === "orders" && <OrdersTable distributorId={distributor.id} />}
      <DistributorDialogs distributor={distributor} action={dialog} onClose={() => setDialog(null)} onDone={refresh} />
    </>
  );
}

function LedgerTable({ distributorId }: { distributorId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [result, refetch] = useQuery<{ distributor: { ledger: Connection<LedgerEntry> | null } | null }>({
    query: LEDGER,
    variables: { id: distributorId, first: PAGE_SIZE, after: cursors[cursors.length - 1] },
  });
  return (
    <Card title={t("detail.ledger")} flush>
      <QueryState result={result} permissions={["MANAGE_USERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
        {(data) => {
          const ledger = data.distributor?.ledger;
          if (!ledger || ledger.edges.length === 0) return <Empty>{t("detail.noLedger")}</Empty>;
          return (
            <>
              <table className="data" data-testid="ledger">
                <thead>
                  <tr>
                    <th>{t("detail.columns.date")}</th>
                    <th>{t("detail.columns.bucket")}</th>
                    <th>{t("detail.columns.code")}</th>
                    <th className="num">{t("detail.columns.amount")}</th>
                    <th>{t("detail.columns.reason")}</th>
                    <th>{t("detail.columns.actor")}</th>
                    <th>{t("detail.columns.reference")}</th>
                  </tr>
                </thead>
                <tbody>
                  {ledger.edges.map(({ node }) => (
                    <tr key={node.id}>
                      <td>{format.dateTime(node.createdAt)}</td>
                      <td>
                        <StatusBadge group="bucket" status={node.bucket} />
                      </td>
                      <td>{node.code}</td>
                      <td className="num">{format.money(node.amount)}</td>
                      <td>{node.reason}</td>
                      <td>{node.actor ?? "—"}</td>
                      <td className="muted">
                        {node.referenceType} {node.referenceId}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager
                atFirst={cursors.length === 1}
                hasNextPage={ledger.pageInfo.hasNextPage}
                onFirst={() => setCursors([null])}
                onNext={() => setCursors([...cursors, ledger.pageInfo.endCursor])}
              />
            </>
          );
        }}
      </QueryState>
    </Card>
  );
}

function OrdersTable({ distributorId }: { distributorId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [result, refetch] = useQuery<{ distributor: { attributedOrders: Connection<AttributedOrder> | null } | null }>({
    query: ORDERS,
    variables: { id: distributorId, first: PAGE_SIZE, after: cursors[cursors.length - 1] },
  });
  return (
    <Card title={t("detail.orders")} flush>
      <QueryState result={result} permissions={["MANAGE_USERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
        {(data) => {
          const orders = data.distributor?.attributedOrders;
          if (!orders || orders.edges.length === 0) return <Empty>{t("detail.noOrders")}</Empty>;
          return (
            <>
              <table className="data" data-testid="orders">
                <thead>
                  <tr>
                    <th>{t("detail.columns.order")}</th>
                    <th>{t("detail.columns.source")}</th>
                    <th className="num">{t("detail.columns.base")}</th>
                    <th>{t("detail.columns.commission")}</th>
                  </tr>
                </thead>
                <tbody>
                  {orders.edges.map(({ node }) => (
                    <tr key={node.orderId}>
                      <td>#{node.orderNumber}</td>
                      <td>{t(`widgets.sources.${node.source}`, { defaultValue: node.source })}</td>
                      <td className="num">{format.money(node.base)}</td>
                      <td>
                        {node.commissions.map((commission) => (
                          <div key={commission.id} className="row">
                            {t("programme.level", { level: commission.level })}: {format.money(commission.amount)}
                            <StatusBadge group="commissionStatus" status={commission.status} />
                          </div>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager
                atFirst={cursors.length === 1}
                hasNextPage={orders.pageInfo.hasNextPage}
                onFirst={() => setCursors([null])}
                onNext={() => setCursors([...cursors, orders.pageInfo.endCursor])}
              />
            </>
          );
        }}
      </QueryState>
    </Card>
  );
}

function DistributorDialogs({
  distributor,
  action,
  onClose,
  onDone,
}: {
  distributor: DistributorDetail;
  action: Action | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const run = useAction();
  const client = useClient();
  const name = distributor.displayName || distributor.code;
  const [grades] = useQuery<{ grades: Grade[] }>({ query: GRADES, pause: action !== "setGrade" });
  const [gradeId, setGradeId] = useState(distributor.grade?.id ?? "");
  const [parentCode, setParentCode] = useState("");
  const [toRoot, setToRoot] = useState(false);
  const currencies = distributor.balances.map((balance) => balance.currency);
  const [currency, setCurrency] = useState(currencies[0] ?? "CNY");
  const [amount, setAmount] = useState("");

  const done = (failure: string | null) => {
    if (!failure) onDone();
    return failure;
  };
  const common = { open: true, onClose };
  switch (action) {
    case "approve":
    case "reinstate":
      return (
        <ConfirmDialog
          {...common}
          title={t(`detail.confirm.${action}Title`, { name })}
          text={t(`detail.confirm.${action}Text`)}
          confirmLabel={t(`detail.actions.${action}`)}
          onConfirm={async () =>
            done(
              await run(
                doc(action === "approve" ? "DistributorApprove" : "DistributorReinstate"),
                { id: distributor.id },
                action === "approve" ? "distributorApprove" : "distributorReinstate",
                t(`detail.done.${action}`),
              ),
            )
          }
        />
      );
    case "reject":
    case "suspend":
      return (
        <ConfirmDialog
          {...common}
          destructive
          requireReason
          title={t(`detail.confirm.${action}Title`, { name })}
          text={t(`detail.confirm.${action}Text`)}
          confirmLabel={t(`detail.actions.${action}`)}
          onConfirm={async (reason) =>
            done(
              await run(
                doc(action === "reject" ? "DistributorReject" : "DistributorSuspend"),
                { id: distributor.id, reason },
                action === "reject" ? "distributorReject" : "distributorSuspend",
                t(`detail.done.${action}`),
              ),
            )
          }
        />
      );
    case "setGrade":
      return (
        <ConfirmDialog
          {...common}
          title={t("detail.confirm.gradeTitle", { name })}
          confirmLabel={t("common.save")}
          onConfirm={async () =>
            done(
              await run(
                doc("DistributorSetGrade"),
                { id: distributor.id, gradeId: gradeId || null },
                "distributorSetGrade",
                t("detail.done.setGrade"),
              ),
            )
          }
        >
          <Field label={t("distributors.grade")}>
            <select value={gradeId} onChange={(event) => setGradeId(event.target.value)} aria-label={t("distributors.grade")}>
              <option value="">{t("common.none")}</option>
              {(grades.data?.grades ?? []).map((grade) => (
                <option key={grade.id} value={grade.id}>
                  {grade.name}
                </option>
              ))}
            </select>
          </Field>
        </ConfirmDialog>
      );
    case "move":
      return (
        <ConfirmDialog
          {...common}
          destructive
          title={t("detail.confirm.moveTitle", { name })}
          text={t("detail.confirm.moveText")}
          confirmLabel={t("detail.actions.move")}
          confirmDisabled={!toRoot && parentCode.trim() === ""}
          onConfirm={async () => {
            let parentId: string | null = null;
            if (!toRoot) {
              const code = parentCode.trim().toUpperCase();
              const found = await client
                .query<{ distributors: Connection<DistributorRow> | null }>(LIST, { first: 5, search: code })
                .toPromise();
              if (found.error) return problemFromError(found.error).message;
              const match = found.data?.distributors?.edges.find((edge) => edge.node.code === code);
              if (!match) return t("distributors.none");
              parentId = match.node.id;
            }
            return done(await run(doc("DistributorMove"), { id: distributor.id, parentId }, "distributorMove", t("detail.done.move")));
          }}
        >
          <Input
            label={t("detail.confirm.newParent")}
            value={parentCode}
            disabled={toRoot}
            onChange={(event) => setParentCode(event.target.value)}
          />
          <Checkbox checked={toRoot} onCheckedChange={(checked) => setToRoot(checked === true)}>
            <Text>{t("detail.confirm.toRoot")}</Text>
          </Checkbox>
        </ConfirmDialog>
      );
    case "adjust": {
      const parsed = parseAmountInput(amount, currency, { allowNegative: true });
      return (
        <ConfirmDialog
          {...common}
          destructive
          requireReason
          title={t("detail.confirm.adjustTitle", { name })}
          text={t("detail.confirm.adjustText")}
          confirmLabel={t("detail.actions.adjust")}
          confirmDisabled={!parsed.ok}
          onConfirm={async (reason) =>
            parsed.ok
              ? done(
                  await run(
                    doc("LedgerAdjust"),
                    { distributorId: distributor.id, amount: parsed.amount, currency, reason },
                    "ledgerAdjust",
                    t("detail.done.adjust"),
                  ),
                )
              : t("detail.confirm.invalidAmount", { digits: currencyDigits(currency) })
          }
        >
          <div className="row">
            <Input
              label={t("detail.confirm.amount")}
              value={amount}
              onChange={(event) => setAmount(event.target.value)}
              error={amount !== "" && !parsed.ok}
              helperText={amount !== "" && !parsed.ok ? t("detail.confirm.invalidAmount", { digits: currencyDigits(currency) }) : undefined}
              data-testid="adjust-amount"
            />
            <Field label={t("detail.confirm.currency")}>
              <input
                value={currency}
                maxLength={3}
                onChange={(event) => setCurrency(event.target.value.toUpperCase())}
                list="balance-currencies"
                aria-label={t("detail.confirm.currency")}
                style={{ width: 80, padding: 8 }}
              />
              <datalist id="balance-currencies">
                {currencies.map((code) => (
                  <option key={code} value={code} />
                ))}
              </datalist>
            </Field>
          </div>
        </ConfirmDialog>
      );
    }
    default:
      return null;
  }
}
