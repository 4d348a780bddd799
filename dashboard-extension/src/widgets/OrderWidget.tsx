// On an order's page in the dashboard: who the order was attributed to, why, and the
// commission per level. The dashboard passes `orderId` in the iframe URL.
import { Text } from "@saleor/macaw-ui";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { Empty, QueryState } from "../components/states";
import { StatusBadge } from "../components/ui";
import { useWidgetHeight } from "../dashboard";
import { doc } from "../graphql/documents";
import type { OrderAttribution } from "../graphql/types";
import { useFormat } from "../lib/format";
import { fractionToPercent } from "../lib/decimal";
import { queryParam } from "../router";

const QUERY = doc("OrderAttribution");

export function rateLabel(rate: string, kind: string): string {
  return kind.toUpperCase() === "PERCENTAGE" ? `${fractionToPercent(rate)}%` : rate;
}

export function OrderWidget() {
  const { t } = useTranslation();
  const format = useFormat();
  const orderId = queryParam("orderId");
  const root = useRef<HTMLDivElement>(null);
  useWidgetHeight(root);
  const [result, refetch] = useQuery<{ orderAttribution: OrderAttribution | null }>({
    query: QUERY,
    variables: { orderId },
    pause: !orderId,
  });
  return (
    <div ref={root} className="stack" data-widget="order">
      <Text size={5} fontWeight="bold">
        {t("widgets.orderTitle")}
      </Text>
      {!orderId ? (
        <Empty />
      ) : (
        <QueryState result={result} permissions={["MANAGE_ORDERS"]} onRetry={() => refetch({ requestPolicy: "network-only" })}>
          {(data) => {
            const attribution = data.orderAttribution;
            if (!attribution || !attribution.distributor) return <Empty>{t("widgets.noAttribution")}</Empty>;
            return (
              <>
                <dl className="stack" style={{ margin: 0, gap: 6 }}>
                  <div className="row">
                    <dt className="muted">{t("widgets.attributedTo")}</dt>
                    <dd style={{ margin: 0 }}>
                      <strong>{attribution.distributor.displayName || attribution.distributor.code}</strong> ({attribution.distributor.code})
                    </dd>
                  </div>
                  <div className="row">
                    <dt className="muted">{t("widgets.source")}</dt>
                    <dd style={{ margin: 0 }}>{t(`widgets.sources.${attribution.source}`, { defaultValue: attribution.source })}</dd>
                  </div>
                  <div className="row">
                    <dt className="muted">{t("widgets.why")}</dt>
                    <dd style={{ margin: 0 }}>{attribution.explanation}</dd>
                  </div>
                  <div className="row">
                    <dt className="muted">{t("widgets.base")}</dt>
                    <dd style={{ margin: 0 }}>{format.money(attribution.base)}</dd>
                  </div>
                </dl>
                <Text fontWeight="bold">{t("widgets.commissions")}</Text>
                {attribution.commissions.length === 0 ? (
                  <Text color="default2">{t("widgets.noCommissions")}</Text>
                ) : (
                  <table className="data" data-testid="order-commissions">
                    <thead>
                      <tr>
                        <th>{t("widgets.columns.level")}</th>
                        <th>{t("widgets.columns.beneficiary")}</th>
                        <th className="num">{t("widgets.columns.rate")}</th>
                        <th className="num">{t("widgets.columns.amount")}</th>
                        <th>{t("widgets.columns.status")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {[...attribution.commissions]
                        .sort((a, b) => a.level - b.level)
                        .map((commission) => (
                          <tr key={commission.id}>
                            <td>{commission.level}</td>
                            <td>
                              {commission.beneficiary.displayName ? `${commission.beneficiary.displayName} (${commission.beneficiary.code})` : commission.beneficiary.code}
                              <div className="muted">{commission.reason}</div>
                            </td>
                            <td className="num">{rateLabel(commission.rate, commission.rateKind)}</td>
                            <td className="num">{format.money(commission.amount)}</td>
                            <td>
                              <StatusBadge group="commissionStatus" status={commission.status} />
                            </td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                )}
              </>
            );
          }}
        </QueryState>
      )}
    </div>
  );
}
