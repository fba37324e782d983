import { isOriginAllowed } from './origin';

describe(isOriginAllowed.name, () => {
  it('allows requests without an Origin header', () => {
    expect(isOriginAllowed({ host: 'a:3000' }, [])).toBe(true);
  });
  it('allows the same origin by default and refuses others', () => {
    expect(isOriginAllowed({ host: 'a:3000', origin: 'http://a:3000' }, [])).toBe(true);
    expect(isOriginAllowed({ host: 'a:3000', origin: 'http://evil.example' }, [])).toBe(false);
    expect(isOriginAllowed({ host: 'a:3000', origin: 'null' }, [])).toBe(false);
  });
  it('uses ALLOWED_ORIGINS when given', () => {
    const allowed = ['https://app.example'];
    expect(isOriginAllowed({ host: 'a', origin: 'https://app.example' }, allowed)).toBe(true);
    expect(isOriginAllowed({ host: 'a', origin: 'http://a' }, allowed)).toBe(false);
  });
});
