import { ComponentFixture, TestBed } from '@angular/core/testing';
import { CLIPPING_FROM, LevelMeter, levelZone, LOUD_FROM } from './level-meter';

describe(LevelMeter.name, () => {
  let fixture: ComponentFixture<LevelMeter>;
  let host: HTMLElement;

  beforeEach(() => {
    fixture = TestBed.createComponent(LevelMeter);
    host = fixture.nativeElement as HTMLElement;
  });

  async function show(level: number, active = true): Promise<void> {
    fixture.componentRef.setInput('level', level);
    fixture.componentRef.setInput('active', active);
    await fixture.whenStable();
  }

  const fill = () => host.querySelector('.fill') as HTMLElement;
  const rest = () => host.querySelector('.rest') as HTMLElement;

  it('uncovers the colour scale up to the level, without shrinking the scale', async () => {
    await show(0.3);
    expect(rest().style.transform).toBe('scaleX(0.7)');
    // the gradient always spans the whole track: nothing about it depends on the level
    expect(fill().getAttribute('style')).toBeNull();
    await show(0.95);
    expect(rest().style.transform).toBe('scaleX(0.05)');
    expect(fill().getAttribute('style')).toBeNull();
  });

  it.each([
    [0, 'normal'],
    [0.6, 'normal'], // ordinary speech: only green shows
    [LOUD_FROM, 'loud'],
    [0.85, 'loud'],
    [CLIPPING_FROM, 'clipping'],
    [1, 'clipping'],
  ])('level %d is %s', async (level, zone) => {
    expect(levelZone(level)).toBe(zone);
    await show(level);
    expect(host.getAttribute('data-zone')).toBe(zone);
    expect(host.getAttribute('data-level')).toBe(String(Math.round(level * 100)));
  });

  it('says loud and too loud to screen readers', async () => {
    await show(0.8);
    expect(host.getAttribute('aria-valuetext')).toBe('80 percent, loud');
    await show(0.93);
    expect(host.getAttribute('aria-valuetext')).toBe('93 percent, too loud');
    await show(0, false);
    expect(host.getAttribute('aria-valuetext')).toBe('microphone not open');
    expect(rest().style.transform).toBe('scaleX(1)');
  });
});
