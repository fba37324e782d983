import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { EventStream } from '../connection/event-stream';
import { SignalingClient } from '../connection/signaling-client';
import { LiveSession } from './live-session';

/** Connection details for whoever has to find out why something does not work. */
@Component({
  selector: 'ws-diagnostics-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <details data-testid="diagnostics">
      <summary>Diagnostics</summary>
      <dl>
        <dt>Session</dt>
        <dd data-testid="diag-session">{{ session.serverState() ?? '–' }}</dd>
        <dt>Peer connection</dt>
        <dd data-testid="diag-connection">{{ signaling.connectionState() }}</dd>
        <dt>ICE connection</dt>
        <dd data-testid="diag-ice">{{ signaling.iceConnectionState() }}</dd>
        <dt>ICE gathering</dt>
        <dd data-testid="diag-gathering">{{ signaling.iceGatheringState() }}</dd>
        <dt>Candidates (local / remote)</dt>
        <dd data-testid="diag-candidates">
          {{ signaling.localCandidates() }} / {{ signaling.remoteCandidates()
          }}{{ signaling.remoteGatheringComplete() ? ' (server done)' : '' }}
        </dd>
        <dt>WebSocket</dt>
        <dd data-testid="diag-websocket">{{ signaling.socketState() }}</dd>
        <dt>Event stream</dt>
        <dd data-testid="diag-sse">
          {{ events.state() }} · last id {{ events.lastEventId() }} · reconnects
          {{ events.reconnects() }}{{ events.rejected() ? ' · rejected ' + events.rejected() : '' }}
        </dd>
        <dt>Packets sent</dt>
        <dd data-testid="diag-packets">{{ signaling.stats().packetsSent ?? '–' }}</dd>
        <dt>Round-trip time</dt>
        <dd data-testid="diag-rtt">
          {{
            signaling.stats().roundTripTimeMs === null
              ? '–'
              : signaling.stats().roundTripTimeMs + ' ms'
          }}
        </dd>
      </dl>
    </details>
  `,
  styles: `
    details {
      border: 1px solid var(--border);
      border-radius: var(--radius);
      background: var(--surface);
    }
    summary {
      padding: 0.6rem 0.9rem;
      cursor: pointer;
      color: var(--muted);
      font-weight: 600;
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 0.3rem 1rem;
      margin: 0;
      padding: 0 0.9rem 0.9rem;
      font-size: 0.875rem;
    }
    dt {
      color: var(--muted);
    }
    dd {
      margin: 0;
      font-family: var(--mono);
      overflow-wrap: anywhere;
    }
    @media (max-width: 480px) {
      dl {
        grid-template-columns: 1fr;
        gap: 0 0;
      }
      dd {
        margin-bottom: 0.4rem;
      }
    }
  `,
})
export class DiagnosticsPanel {
  protected readonly session = inject(LiveSession);
  protected readonly signaling = inject(SignalingClient);
  protected readonly events = inject(EventStream);
}
