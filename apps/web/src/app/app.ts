import {
  afterNextRender,
  afterRenderEffect,
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { languageOptions } from './capture/languages';
import { MicPicker } from './capture/mic-picker';
import { Microphone } from './capture/microphone';
import { DiagnosticsPanel } from './session/diagnostics-panel';
import { AUTO_LANGUAGE, LiveSession } from './session/live-session';
import { NoticeBanner } from './session/notice-banner';
import { StatusBar } from './session/status-bar';
import { TranscriptToolbar } from './transcript/transcript-toolbar';
import { TranscriptView } from './transcript/transcript-view';

@Component({
  selector: 'ws-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MicPicker,
    StatusBar,
    NoticeBanner,
    TranscriptView,
    TranscriptToolbar,
    DiagnosticsPanel,
  ],
  templateUrl: './app.html',
  styleUrl: './app.css',
})
export class App {
  protected readonly session = inject(LiveSession);
  readonly #mic = inject(Microphone);
  protected readonly languages = languageOptions();
  protected readonly autoLanguage = AUTO_LANGUAGE;
  protected readonly showDetails = signal(false);

  private readonly startButton = viewChild.required<ElementRef<HTMLButtonElement>>('startButton');
  private readonly stopButton = viewChild.required<ElementRef<HTMLButtonElement>>('stopButton');

  constructor() {
    afterNextRender(() => void this.#mic.init());
    // Start and Stop disable each other: keep keyboard focus on the one that can be pressed.
    afterRenderEffect({
      write: () => {
        const canStart = this.session.canStart();
        const canStop = this.session.canStop();
        const start = this.startButton().nativeElement;
        const stop = this.stopButton().nativeElement;
        const focused = start.ownerDocument.activeElement;
        const lost = focused === null || focused === start.ownerDocument.body;
        if (canStop && (lost || focused === start)) {
          stop.focus();
        } else if (canStart && (lost || focused === stop)) {
          start.focus();
        }
      },
    });
  }

  protected start(): void {
    void this.session.start();
  }

  protected stop(): void {
    void this.session.stop();
  }

  protected selectLanguage(event: Event): void {
    this.session.setLanguage((event.target as HTMLSelectElement).value);
  }
}
