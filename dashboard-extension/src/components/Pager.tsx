import { Button } from "@saleor/macaw-ui";
import { useTranslation } from "react-i18next";

/** Cursor paging: forward page by page, or back to the first page. */
export function Pager({
  hasNextPage,
  onNext,
  onFirst,
  atFirst,
}: {
  hasNextPage: boolean;
  onNext: () => void;
  onFirst: () => void;
  atFirst: boolean;
}) {
  const { t } = useTranslation();
  if (atFirst && !hasNextPage) return null;
  return (
    <div className="row" style={{ justifyContent: "flex-end", padding: 12 }}>
      <Button variant="secondary" size="small" onClick={onFirst} disabled={atFirst}>
        {t("common.firstPage")}
      </Button>
      <Button variant="secondary" size="small" onClick={onNext} disabled={!hasNextPage}>
        {t("common.nextPage")}
      </Button>
    </div>
  );
}
