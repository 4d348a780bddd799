// Two languages, following the dashboard's locale (it arrives with AppBridge's
// `localeChanged` event, never in the URL): any Chinese locale shows Simplified Chinese,
// everything else English.
import i18next, { type i18n } from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { zh } from "./zh";

export type Language = "zh-CN" | "en";

export function languageForLocale(locale: string | undefined | null): Language {
  return locale && locale.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function createI18n(language: Language = "zh-CN"): i18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    lng: language,
    fallbackLng: "en",
    resources: { en: { translation: en }, "zh-CN": { translation: zh } },
    interpolation: { escapeValue: false }, // React escapes
    initAsync: false,
  });
  return instance;
}
