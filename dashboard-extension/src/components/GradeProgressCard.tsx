// A distributor's way to the next grade: each target the grade sets, with where they are.
import { Text } from "@saleor/macaw-ui";
import { useTranslation } from "react-i18next";
import type { GradeProgress } from "../graphql/types";
import { useFormat } from "../lib/format";
import { targetShare } from "../lib/grades";
import { Card } from "./ui";

export function GradeProgressCard({ progress, hasGrade }: { progress: GradeProgress | null; hasGrade: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (!progress) {
    // No next grade: at the top, or the programme has no grades at all (nothing to show).
    return hasGrade ? (
      <Card testId="next-grade">
        <Text color="default2">{t("detail.nextGrade.top")}</Text>
      </Card>
    ) : null;
  }
  const status =
    progress.targets.length === 0
      ? t("detail.nextGrade.noTargets")
      : progress.met
        ? progress.grade.autoUpgrade
          ? t("detail.nextGrade.met")
          : t("detail.nextGrade.metByStaff")
        : null;
  return (
    <Card title={t("detail.nextGrade.title", { name: progress.grade.name })} testId="next-grade">
      <div className="stack">
        {progress.targets.map((target) => {
          const [current, required] =
            target.target === "SALES"
              ? [format.money(target.currentSales), format.money(target.requiredSales)]
              : [format.number(target.currentCount ?? 0), format.number(target.requiredCount ?? 0)];
          return (
            <div key={target.target} className="stack" style={{ gap: 4 }} data-target={target.target} data-met={target.met}>
              <div className="row" style={{ justifyContent: "space-between" }}>
                <Text>
                  {target.met ? "✓ " : ""}
                  {t(`detail.nextGrade.targets.${target.target}`)}
                </Text>
                <Text color="default2">{t("detail.nextGrade.progress", { current, required })}</Text>
              </div>
              <progress max={1} value={targetShare(target)} aria-label={t(`detail.nextGrade.targets.${target.target}`)} style={{ width: "100%" }} />
            </div>
          );
        })}
        {status && <Text color="default2">{status}</Text>}
      </div>
    </Card>
  );
}
