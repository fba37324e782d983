import {
  ClientMessageSchema,
  CreateSessionRequestSchema,
  parseTranscriptEvent,
  SdpOfferSchema,
  MAX_SDP_LENGTH,
} from '../index';

describe('shared-types schemas', () => {
  it('accepts each client WebSocket message of the contract', () => {
    expect(ClientMessageSchema.parse({ type: 'bye' })).toEqual({ type: 'bye' });
    expect(ClientMessageSchema.parse({ type: 'end-of-candidates' }).type).toBe('end-of-candidates');
    const candidate = {
      type: 'candidate',
      candidate: {
        candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    };
    expect(ClientMessageSchema.parse(candidate)).toEqual(candidate);
  });

  it('rejects unknown message types and extra fields', () => {
    expect(ClientMessageSchema.safeParse({ type: 'hello' }).success).toBe(false);
    expect(ClientMessageSchema.safeParse({ type: 'bye', extra: 1 }).success).toBe(false);
    expect(
      ClientMessageSchema.safeParse({ type: 'candidate', candidate: { candidate: 5 } }).success,
    ).toBe(false);
  });

  it('bounds the SDP size and requires an offer', () => {
    expect(SdpOfferSchema.safeParse({ type: 'offer', sdp: 'v=0' }).success).toBe(true);
    expect(SdpOfferSchema.safeParse({ type: 'answer', sdp: 'v=0' }).success).toBe(false);
    expect(
      SdpOfferSchema.safeParse({ type: 'offer', sdp: 'x'.repeat(MAX_SDP_LENGTH + 1) }).success,
    ).toBe(false);
  });

  it('accepts only two-letter language codes', () => {
    expect(CreateSessionRequestSchema.safeParse({ language: 'en' }).success).toBe(true);
    expect(CreateSessionRequestSchema.safeParse({ language: 'english' }).success).toBe(false);
  });

  it('parses SSE events against their schema', () => {
    const event = parseTranscriptEvent(
      'final',
      '3',
      JSON.stringify({
        segmentId: 0,
        text: 'hi',
        startMs: 0,
        endMs: 3000,
        latencyMs: 120,
        engine: 'openai',
      }),
    );
    expect(event).toMatchObject({ type: 'final', id: 3, data: { text: 'hi' } });
    expect(() => parseTranscriptEvent('final', '4', '{}')).toThrow();
    expect(() => parseTranscriptEvent('nope', '4', '{}')).toThrow(/unknown event type/);
    expect(() => parseTranscriptEvent('end', '0', '{}')).toThrow(/bad event id/);
  });
});
