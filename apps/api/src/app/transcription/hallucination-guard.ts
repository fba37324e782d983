/**
 * Whisper-family engines, given silence, noise or a breath, often answer with text learned from
 * subtitle files: credit lines ("Subtitles by the Amara.org community"), outros ("Thanks for
 * watching!") or a lone "Thank you.". This guard removes them.
 *
 * - Credit and outro lines are removed wherever they stand as a sentence of their own, in any
 *   language (a session in English can still get a German credit line from a confused model).
 * - Short courtesy words ("Thank you.", "Danke.", "ありがとうございました") are real speech too: they are
 *   dropped only when they are the whole text and the VAD did not confirm enough speech.
 *
 * Phrases are compared after normalisation (Unicode NFKC, lower case, everything but letters and
 * digits removed), so punctuation, spacing and full-width forms do not matter.
 */

/**
 * Credit lines and outros, per language, matched as a whole sentence; those ending in `…` also
 * match a sentence that begins with them (credit lines go on with a name or a year).
 */
const PHANTOM_LINES: Record<string, readonly string[]> = {
  en: [
    'thanks for watching',
    'thank you for watching',
    'thank you so much for watching',
    'thank you very much for watching',
    'thanks for watching and see you next time',
    'please subscribe',
    'please subscribe to my channel',
    'like and subscribe',
    "don't forget to like and subscribe",
    'subtitles by the amara.org community',
    'subtitles by…',
    'captions by…',
    'transcribed by…',
    'transcription by castingwords',
    'see you in the next video',
    "i'll see you in the next video",
  ],
  de: [
    'untertitel der amara.org-community',
    'untertitel im auftrag des zdf…',
    'untertitelung im auftrag des zdf…',
    'untertitel von stephanie geiges',
    'vielen dank fürs zuschauen',
    'danke fürs zuschauen',
    'bis zum nächsten mal',
  ],
  fr: [
    "sous-titres réalisés para la communauté d'amara.org",
    "sous-titres réalisés par la communauté d'amara.org…",
    "sous-titrage st' 501",
    'sous-titrage société radio-canada…',
    "merci d'avoir regardé cette vidéo",
    "merci d'avoir regardé",
  ],
  es: [
    'subtítulos realizados por la comunidad de amara.org…',
    'subtitulado por la comunidad de amara.org',
    'gracias por ver el video',
    'gracias por ver',
    'suscríbete al canal',
  ],
  it: [
    'sottotitoli creati dalla comunità amara.org',
    'sottotitoli a cura di qtss…',
    'grazie per la visione',
    'iscriviti al canale',
  ],
  pt: [
    'legendas pela comunidade amara.org',
    'legendas pela comunidade de amara.org',
    'obrigado por assistir',
    'inscreva-se no canal',
  ],
  nl: [
    'ondertiteld door de amara.org gemeenschap',
    'ondertiteling door de amara.org gemeenschap',
    'bedankt voor het kijken',
  ],
  sv: ['undertexter från amara.org-gemenskapen', 'tack för att du tittade'],
  pl: ['napisy stworzone przez społeczność amara.org', 'dziękuję za obejrzenie'],
  ru: [
    'субтитры сделал dimatorzok',
    'субтитры создавал dimatorzok',
    'редактор субтитров а.синецкая…',
    'продолжение следует',
    'спасибо за просмотр',
  ],
  uk: ['дякую за перегляд', 'субтитри зроблені спільнотою amara.org'],
  tr: ['altyazı m.k.…', 'izlediğiniz için teşekkürler'],
  ar: ['ترجمة نانسي قنقر', 'شكرا للمشاهدة', 'اشتركوا في القناة'],
  hi: ['देखने के लिए धन्यवाद'],
  ja: ['ご視聴ありがとうございました', 'チャンネル登録よろしくお願いします'],
  ko: ['시청해주셔서 감사합니다', '구독과 좋아요 부탁드립니다'],
  zh: [
    '请不吝点赞 订阅 转发 打赏支持明镜与点点栏目',
    '字幕由amara.org社区提供',
    '谢谢观看',
    '感谢观看',
    '中文字幕志愿者…',
  ],
};

/** Courtesy words that Whisper produces on silence but people also say. */
const WEAK_PHRASES: Record<string, readonly string[]> = {
  en: ['thank you', 'thanks', 'you', 'bye', 'bye bye', 'okay', 'oh', 'so'],
  de: ['vielen dank', 'danke', 'tschüss'],
  fr: ['merci', 'au revoir'],
  es: ['gracias', 'adiós'],
  it: ['grazie', 'ciao'],
  pt: ['obrigado', 'obrigada', 'tchau'],
  nl: ['dank je', 'dank je wel', 'bedankt', 'doei'],
  sv: ['tack'],
  pl: ['dziękuję'],
  ru: ['спасибо'],
  uk: ['дякую'],
  tr: ['teşekkürler', 'teşekkür ederim'],
  ar: ['شكرا'],
  hi: ['धन्यवाद'],
  ja: ['ありがとうございました', 'ありがとうございます'],
  ko: ['감사합니다'],
  zh: ['谢谢', '谢谢大家'],
};

/** Whisper reports languages by name ("english"); the guard keys by ISO-639-1. */
const LANGUAGE_NAMES: Record<string, string> = {
  english: 'en',
  german: 'de',
  french: 'fr',
  spanish: 'es',
  italian: 'it',
  portuguese: 'pt',
  dutch: 'nl',
  swedish: 'sv',
  polish: 'pl',
  russian: 'ru',
  ukrainian: 'uk',
  turkish: 'tr',
  arabic: 'ar',
  hindi: 'hi',
  japanese: 'ja',
  korean: 'ko',
  chinese: 'zh',
};

/** Less confirmed speech than this and a lone courtesy word is taken for a phantom. */
export const WEAK_PHRASE_MIN_SPEECH_MS = 600;

/** ISO-639-1 for a code ("en", "en-US") or a Whisper language name ("english"); else undefined. */
export function languageCode(language: string | undefined): string | undefined {
  if (!language) return undefined;
  const lower = language.trim().toLowerCase();
  if (LANGUAGE_NAMES[lower]) return LANGUAGE_NAMES[lower];
  const code = lower.split(/[-_]/)[0];
  return /^[a-z]{2,3}$/.test(code) ? code : undefined;
}

/** Letters and digits only, lower case, NFKC: the form phrases are compared in. */
export function phraseKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

const PHANTOM_EXACT: ReadonlySet<string> = new Set(
  Object.values(PHANTOM_LINES).flatMap((lines) =>
    lines.filter((l) => !l.endsWith('…')).map(phraseKey),
  ),
);
const PHANTOM_PREFIXES: readonly string[] = Object.values(PHANTOM_LINES).flatMap((lines) =>
  lines.filter((l) => l.endsWith('…')).map(phraseKey),
);
const WEAK_KEYS = new Map<string, ReadonlySet<string>>(
  Object.entries(WEAK_PHRASES).map(([lang, phrases]) => [lang, new Set(phrases.map(phraseKey))]),
);
const ALL_WEAK_KEYS: ReadonlySet<string> = new Set([...WEAK_KEYS.values()].flatMap((s) => [...s]));

export interface GuardContext {
  /** The language the engine reported, else the session's; unknown: every language's list. */
  language?: string;
  /** Speech the VAD confirmed in the segment (ms); undefined when no VAD looked at it. */
  speechMs?: number;
}

export interface GuardResult {
  text: string;
  /** Sentences (or the whole text) removed as phantoms. */
  removed: number;
}

/** Removes phantom phrases from an engine's text; see the file's comment for the rules. */
export function guardTranscript(text: string, context: GuardContext = {}): GuardResult {
  const sentences = splitSentences(text);
  const kept = sentences.filter((sentence) => !isPhantomLine(phraseKey(sentence)));
  let removed = sentences.length - kept.length;
  let result = kept.join(' ').trim();
  if (result && isWeakAlone(result, context)) {
    result = '';
    removed++;
  }
  return { text: result, removed };
}

function isPhantomLine(key: string): boolean {
  if (key === '') return true; // punctuation or symbols only ("...", "♪")
  return PHANTOM_EXACT.has(key) || PHANTOM_PREFIXES.some((prefix) => key.startsWith(prefix));
}

function isWeakAlone(text: string, { language, speechMs }: GuardContext): boolean {
  if (speechMs !== undefined && speechMs >= WEAK_PHRASE_MIN_SPEECH_MS) return false;
  const code = languageCode(language);
  const keys = (code && WEAK_KEYS.get(code)) || ALL_WEAK_KEYS;
  return keys.has(phraseKey(text));
}

const FULL_STOPS = '.!?…';
const CJK_STOPS = '。！？';

/**
 * Splits after . ! ? … followed by a space or the end (so "Amara.org" stays whole) and after
 * the CJK stops; the punctuation stays with its sentence.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const next = text[i + 1];
    if (FULL_STOPS.includes(c) && FULL_STOPS.includes(next ?? '')) continue;
    if (CJK_STOPS.includes(c) && CJK_STOPS.includes(next ?? '')) continue;
    const ends =
      CJK_STOPS.includes(c) || (FULL_STOPS.includes(c) && (next === undefined || /\s/.test(next)));
    if (ends) {
      sentences.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  sentences.push(text.slice(start));
  return sentences.map((s) => s.trim()).filter((s) => s.length > 0);
}
