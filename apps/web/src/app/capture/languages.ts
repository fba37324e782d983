/** ISO-639-1 codes offered besides automatic detection (the ones Whisper-class engines know well). */
export const LANGUAGE_CODES = [
  'ar',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'es',
  'fi',
  'fr',
  'he',
  'hi',
  'hu',
  'id',
  'it',
  'ja',
  'ko',
  'nl',
  'no',
  'pl',
  'pt',
  'ro',
  'ru',
  'sk',
  'sv',
  'th',
  'tr',
  'uk',
  'vi',
  'zh',
] as const;

export interface LanguageOption {
  code: string;
  label: string;
}

/** "German – Deutsch" for each code, sorted by English name. */
export function languageOptions(codes: readonly string[] = LANGUAGE_CODES): LanguageOption[] {
  return codes
    .map((code) => {
      const english = displayName(code, 'en');
      const native = displayName(code, code);
      const label = native && native !== english ? `${english} – ${native}` : english;
      return { code, label };
    })
    .sort((a, b) => a.label.localeCompare(b.label, 'en'));
}

function displayName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
