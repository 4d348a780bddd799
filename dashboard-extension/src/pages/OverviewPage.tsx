import { Text } from "@saleor/macaw-ui";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useQuery } from "urql";
import { Empty, QueryState } from "../components/states";
import { Card, PageTitle } from "../components/ui";
import { doc } from "../graphql/documents";
import type { ProgrammeOverview } from "../graphql/types";
import { useFormat } from "../lib/format";
import { chartValue } from "../lib/money";
import { lastDays } from "../lib/period";

const PERIODS = [7, 30, 90] as const;
const QUERY = doc("ProgrammeOverview");

export function overviewSeries(overview: ProgrammeOverview) {
  return overview.series.map((point) => ({
    date: point.date,
    sales: chartValue(point.sales),
    commissions: chartValue(point.commissions),
    newDistributors: point.newDistributors,
  }));
}

export function OverviewPage({ navigate }: { navigate: (path: string) => void }) {
  const { t } = useTranslation();
  const [days, setDays] = useState<number>(30);
  const period = useMemo(() => lastDays(days), [days]);
  const [result, refetch] = useQuery<{ programmeOverview: ProgrammeOverview | null }>({
    query: QUERY,
    variables: { period },
  });
  return (
    <>
      <PageTitle
        actions={
          <div className="tabs" role="group" aria-label={t("overview.period")}>
            {PERIODS.map((count) => (
              <button key={count} aria-pressed={days === count} onClick={() => setDays(count)}>
                {t("overview.days", { count })}
              </button>
            ))}
          </div>
        }
      >
        {t("overview.title")}
      </PageTitle>
      <QueryState result={result} permissions={["MANAGE_ORDERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
        {(data) =>
          data.programmeOverview ? <OverviewBody overview={data.programmeOverview} navigate={navigate} /> : <Empty />
        }
      </QueryState>
    </>
  );
}

function OverviewBody({ overview, navigate }: { overview: ProgrammeOverview; navigate: (path: string) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const series = overviewSeries(overview);
  const kpis: [string, string, string?][] = [
    ["overview.sales", format.money(overview.distributionSales)],
    ["overview.accrued", format.money(overview.commissionsAccrued)],
    ["overview.available", format.money(overview.commissionsAvailable)],
    ["overview.paid", format.money(overview.commissionsPaid)],
    [
      "overview.pendingWithdrawals",
      format.money(overview.pendingWithdrawalsAmount),
      t("overview.pendingWithdrawalsCount", { count: overview.pendingWithdrawals }),
    ],
    ["overview.newDistributors", format.number(overview.newDistributors)],
  ];
  const moneyTick = (value: number) =>
    format.money({ amount: String(value), currency: overview.currency }).replace(/\.0+$/, "");
  return (
    <>
      <div className="kpis">
        {kpis.map(([label, value, note]) => (
          <div className="card kpi" key={label} data-testid={`kpi-${label.split(".")[1]}`}>
            <Text color="default2" size={3}>
              {t(label)}
            </Text>
            <div className="value">{value}</div>
            {note && (
              <Text color="default2" size={2}>
                {note}
              </Text>
            )}
          </div>
        ))}
      </div>
      <div className="grid-2">
        <Card title={t("overview.chartTitle")}>
          {series.length === 0 ? (
            <Empty>{t("overview.noActivity")}</Empty>
          ) : (
            <div className="chart" data-testid="overview-chart">
              <ResponsiveContainer width="100%" height="100%">
                <ComposedChart data={series} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--mu-colors-border-default1)" />
                  <XAxis dataKey="date" tickFormatter={(d: string) => d.slice(5)} fontSize={12} />
                  <YAxis tickFormatter={moneyTick} fontSize={12} width={80} />
                  <Tooltip
                    formatter={(value, name) => [
                      format.money({ amount: String(value), currency: overview.currency }),
                      name === "sales" ? t("overview.sales") : t("detail.columns.commission"),
                    ]}
                  />
                  <Legend formatter={(name) => (name === "sales" ? t("overview.sales") : t("detail.columns.commission"))} />
                  <Bar dataKey="sales" fill="#7c9cbf" radius={[3, 3, 0, 0]} isAnimationActive={false} />
                  <Line dataKey="commissions" stroke="#d9822b" strokeWidth={2} dot={false} isAnimationActive={false} />
                </ComposedChart>
              </ResponsiveContainer>
            </div>
          )}
        </Card>
        <Card title={t("overview.topDistributors")} flush>
          {overview.topDistributors.length === 0 ? (
            <Empty>{t("overview.noActivity")}</Empty>
          ) : (
            <table className="data">
              <thead>
                <tr>
                  <th>{t("distributors.columns.name")}</th>
                  <th className="num">{t("distributors.columns.sales")}</th>
                  <th className="num">{t("detail.columns.commission")}</th>
                </tr>
              </thead>
              <tbody>
                {overview.topDistributors.map((row) => (
                  <tr
                    key={row.distributor.id}
                    className="clickable"
                    onClick={() => navigate(`/distributors/${encodeURIComponent(row.distributor.id)}`)}
                  >
                    <td>
                      {row.distributor.displayName || row.distributor.code}
                      <div className="muted">{row.distributor.code}</div>
                    </td>
                    <td className="num">{format.money(row.sales)}</td>
                    <td className="num">{format.money(row.commissions)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}
