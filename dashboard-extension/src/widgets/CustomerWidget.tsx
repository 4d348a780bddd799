// On a customer's page in the dashboard: their distributor card and upline chain. The
// dashboard passes `customerId` (the Saleor user id) in the iframe URL.
import { actions } from "@saleor/app-sdk/app-bridge";
import { Button, Text } from "@saleor/macaw-ui";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { Empty, QueryState } from "../components/states";
import { StatusBadge } from "../components/ui";
import { useDashboard, useWidgetHeight } from "../dashboard";
import { doc } from "../graphql/documents";
import type { DistributorDetail } from "../graphql/types";
import { useFormat } from "../lib/format";
import { queryParam } from "../router";

const QUERY = doc("CustomerDistributor");

export function CustomerWidget() {
  const { t } = useTranslation();
  const format = useFormat();
  const { appBridge } = useDashboard();
  const userId = queryParam("customerId");
  const root = useRef<HTMLDivElement>(null);
  useWidgetHeight(root);
  const [result, refetch] = useQuery<{ distributorByUser: DistributorDetail | null }>({
    query: QUERY,
    variables: { userId },
    pause: !userId,
  });
  return (
    <div ref={root} className="stack" data-widget="customer">
      <Text size={5} fontWeight="bold">
        {t("widgets.customerTitle")}
      </Text>
      {!userId ? (
        <Empty />
      ) : (
        <QueryState result={result} permissions={["MANAGE_USERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
          {(data) => {
            const distributor = data.distributorByUser;
            if (!distributor) return <Empty>{t("widgets.notDistributor")}</Empty>;
            const chain = [...distributor.uplines].reverse();
            return (
              <>
                <div className="row">
                  <strong>{distributor.displayName || distributor.email}</strong>
                  <span className="badge">{distributor.code}</span>
                  <StatusBadge group="distributorStatus" status={distributor.status} />
                  {distributor.grade && <span className="badge">{distributor.grade.name}</span>}
                </div>
                <Text color="default2">
                  {t("detail.teamSummary", { teamSize: format.number(distributor.teamSize), directCount: format.number(distributor.directCount) })}
                  {" · "}
                  {t("distributors.columns.sales")} {format.money(distributor.sales)}
                </Text>
                {distributor.balances.map((balance) => (
                  <Text key={balance.currency}>
                    {t("widgets.available")}: <strong>{format.money(balance.available)}</strong> · {t("bucket.FROZEN")}:{" "}
                    {format.money(balance.frozen)} · {t("bucket.PAID")}: {format.money(balance.paid)}
                  </Text>
                ))}
                <div>
                  <Text color="default2">{t("widgets.upline")}: </Text>
                  {chain.length === 0 ? (
                    <Text color="default2">{t("detail.root")}</Text>
                  ) : (
                    <span className="chain" style={{ display: "inline-flex" }}>
                      {chain.map((upline, i) => (
                        <span key={upline.id}>
                          {i > 0 && <span className="sep"> → </span>}
                          {upline.displayName || upline.code} ({upline.code})
                        </span>
                      ))}
                    </span>
                  )}
                </div>
                {appBridge && (
                  <div>
                    <Button
                      size="small"
                      variant="secondary"
                      onClick={() => {
                        const appId = appBridge.getState().id;
                        void appBridge
                          .dispatch(
                            actions.Redirect({ to: `/apps/${encodeURIComponent(appId)}/app/distributors/${encodeURIComponent(distributor.id)}` }),
                          )
                          .catch(() => undefined);
                      }}
                    >
                      {t("widgets.openInApp")}
                    </Button>
                  </div>
                )}
              </>
            );
          }}
        </QueryState>
      )}
    </div>
  );
}
