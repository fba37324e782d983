import { wordErrorRate } from '@whisperstream/fake-openai';
import { addEdits, countWords, errorRate, totalEdits, wordEdits } from './words';

describe(wordEdits.name, () => {
  it('counts a substitution, a deletion and an insertion separately', () => {
    const sut = wordEdits('go forward ten meters', 'go backward ten meters please');
    expect(sut).toEqual({ referenceWords: 4, substitutions: 1, deletions: 0, insertions: 1 });

    expect(
      wordEdits('he was not an ill disposed young man', 'he was not an ill young man'),
    ).toEqual({ referenceWords: 8, substitutions: 0, deletions: 1, insertions: 0 });
  });

  it.each([
    ['and mister john dashwood had then leisure', 'and mr john guess would have been at leisure'],
    ['eight of spades four of clubs', 'eight of spades for up close seven of hearts'],
    ['', 'ice'],
    ['go forward ten meters', ''],
    ['', ''],
  ])('agrees with wordErrorRate on %j vs %j', (reference, hypothesis) => {
    expect(errorRate(wordEdits(reference, hypothesis))).toBeCloseTo(
      wordErrorRate(reference, hypothesis),
      10,
    );
  });

  it('normalises case and punctuation as the word error rate does', () => {
    expect(totalEdits(wordEdits('go forward ten meters', 'Go forward, ten meters.'))).toBe(0);
  });
});

describe(addEdits.name, () => {
  it('pools the edits of several clips', () => {
    const sut = addEdits([wordEdits('a b c d', 'a x c d'), wordEdits('e f', 'e f g')]);
    expect(sut).toEqual({ referenceWords: 6, substitutions: 1, deletions: 0, insertions: 1 });
    expect(errorRate(sut)).toBeCloseTo(2 / 6);
  });
});

describe(countWords.name, () => {
  it('counts normalised words', () => {
    expect(countWords(' Hello,  world! ')).toBe(2);
    expect(countWords('')).toBe(0);
  });
});
