import {
  guardTranscript,
  languageCode,
  splitSentences,
  WEAK_PHRASE_MIN_SPEECH_MS,
} from './hallucination-guard';

describe(guardTranscript.name, () => {
  it.each([
    ['Thanks for watching!', 'en'],
    ['Subtitles by the Amara.org community', 'en'],
    ['Untertitel der Amara.org-Community', 'de'],
    ['Untertitel im Auftrag des ZDF, 2017', 'de'],
    ["Sous-titres réalisés para la communauté d'Amara.org", 'fr'],
    ['¡Gracias por ver!', 'es'],
    ['Sottotitoli creati dalla comunità Amara.org', 'it'],
    ['Obrigado por assistir.', 'pt'],
    ['Продолжение следует...', 'ru'],
    ['ご視聴ありがとうございました', 'ja'],
    ['请不吝点赞 订阅 转发 打赏支持明镜与点点栏目', 'zh'],
    ['시청해주셔서 감사합니다.', 'ko'],
    ['ترجمة نانسي قنقر', 'ar'],
  ])('drops the phantom line %j (%s) whatever the speech', (text, language) => {
    expect(guardTranscript(text, { language, speechMs: 5000 })).toEqual({ text: '', removed: 1 });
  });

  it('drops a credit line in another language than the session', () => {
    expect(guardTranscript('Untertitel der Amara.org-Community', { language: 'en' }).text).toBe('');
  });

  it('keeps the real speech around a phantom sentence', () => {
    expect(
      guardTranscript('Go forward ten meters. Thank you for watching.', { speechMs: 2500 }),
    ).toEqual({ text: 'Go forward ten meters.', removed: 1 });
  });

  it('leaves real text alone, even when it mentions such words inside a sentence', () => {
    const text = 'He said thanks for watching the kids, and subscribed to the paper.';
    expect(guardTranscript(text, { language: 'en', speechMs: 3000 })).toEqual({
      text,
      removed: 0,
    });
  });

  it('drops a lone courtesy word when the VAD confirmed little or no speech', () => {
    expect(guardTranscript('Thank you.', { language: 'english', speechMs: 300 }).text).toBe('');
    expect(guardTranscript('Danke.', { language: 'de' }).text).toBe('');
    expect(guardTranscript('ありがとうございました。', { language: 'ja' }).text).toBe('');
  });

  it('keeps a lone courtesy word the VAD heard as real speech', () => {
    const speechMs = WEAK_PHRASE_MIN_SPEECH_MS + 100;
    expect(guardTranscript('Thank you.', { language: 'en', speechMs }).text).toBe('Thank you.');
  });

  it('drops text made of punctuation or symbols only', () => {
    expect(guardTranscript('...', {}).text).toBe('');
    expect(guardTranscript('♪ ♪', {}).text).toBe('');
  });

  it('leaves an empty text empty, removing nothing', () => {
    expect(guardTranscript('', {})).toEqual({ text: '', removed: 0 });
  });
});

describe(splitSentences.name, () => {
  it('splits after stops followed by a space, keeping domain names whole', () => {
    expect(splitSentences('Subtitles by the Amara.org community. Next one! Last')).toEqual([
      'Subtitles by the Amara.org community.',
      'Next one!',
      'Last',
    ]);
  });

  it('splits after CJK stops and keeps runs of stops together', () => {
    expect(splitSentences('你好。谢谢观看！！ Wait... what?')).toEqual([
      '你好。',
      '谢谢观看！！',
      'Wait...',
      'what?',
    ]);
  });
});

describe(languageCode.name, () => {
  it('understands codes, regional codes and Whisper language names', () => {
    expect(languageCode('en')).toBe('en');
    expect(languageCode('pt-BR')).toBe('pt');
    expect(languageCode('German')).toBe('de');
    expect(languageCode(undefined)).toBeUndefined();
    expect(languageCode('not a language')).toBeUndefined();
  });
});
