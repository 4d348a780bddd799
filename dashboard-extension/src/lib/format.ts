import { useTranslation } from "react-i18next";
import { formatMoney, type MoneyLike } from "./money";

/** Formatting in the interface's current language. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return {
    locale,
    money: (money: MoneyLike | null | undefined) => formatMoney(money, locale),
    date: (iso: string | null | undefined) =>
      iso ? new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(iso)) : "—",
    dateTime: (iso: string | null | undefined) =>
      iso
        ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso))
        : "—",
    number: (value: number) => new Intl.NumberFormat(locale).format(value),
  };
}
