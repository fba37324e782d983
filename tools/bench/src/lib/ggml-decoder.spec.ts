import { decoderPatterns, fixDecoder, locateTensors, toHalf } from './ggml-decoder';

const WIDTH = 8;
const CONTEXTS = 16;
const VOCAB = 51864;

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32LE(value, 0);
  return out;
}

function tensor(name: string, type: number, ne: number[], fill: number): Buffer {
  const elements = ne.reduce((a, b) => a * b, 1);
  const data = Buffer.alloc(elements * (type === 0 ? 4 : 2));
  for (let i = 0; i < elements; i++) {
    if (type === 0) data.writeFloatLE(fill, 4 * i);
    else data.writeUInt16LE(toHalf(fill), 2 * i);
  }
  const name8 = Buffer.from(name, 'utf8');
  return Buffer.concat([
    int32(ne.length),
    int32(name8.length),
    int32(type),
    ...ne.map(int32),
    name8,
    data,
  ]);
}

/** A ggml whisper file in miniature: the real layout, a narrow decoder, a few tensors. */
function miniModel(contexts = CONTEXTS): Buffer {
  const hparams = [VOCAB, 1500, WIDTH, 2, 1, contexts, WIDTH, 2, 1, 80, 1];
  const words = ['a', 'bc'].flatMap((w) => [int32(w.length), Buffer.from(w)]);
  return Buffer.concat([
    int32(0x67676d6c),
    ...hparams.map(int32),
    int32(1),
    int32(2),
    Buffer.alloc(8),
    int32(2),
    ...words,
    tensor('decoder.positional_embedding', 0, [WIDTH, contexts], 0.5),
    tensor('decoder.token_embedding.weight', 1, [WIDTH, VOCAB], 0.25),
    tensor('decoder.ln.weight', 0, [WIDTH], 1),
  ]);
}

describe('fixDecoder', () => {
  it('finds every tensor of a ggml file', () => {
    const tensors = locateTensors(miniModel());
    expect([...tensors.keys()]).toEqual([
      'decoder.positional_embedding',
      'decoder.token_embedding.weight',
      'decoder.ln.weight',
    ]);
    expect(tensors.get('decoder.token_embedding.weight')).toMatchObject({
      type: 1,
      ne: [WIDTH, VOCAB],
    });
  });

  it('uses three orthogonal patterns', () => {
    const { timestamp, text, end } = decoderPatterns(WIDTH);
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
    expect([dot(timestamp, text), dot(timestamp, end), dot(text, end)]).toEqual([0, 0, 0]);
  });

  it('points each position and the three tokens along their pattern, and nothing else', () => {
    const before = miniModel();
    const model = fixDecoder(Buffer.from(before), { tokens: 3 });
    const tensors = locateTensors(model);
    const at = (name: string) => {
      const found = tensors.get(name);
      if (!found) throw new Error(`${name} is missing`);
      return found;
    };
    const positions = at('decoder.positional_embedding');
    const embedding = at('decoder.token_embedding.weight');
    const { timestamp, text, end } = decoderPatterns(WIDTH);
    const positionRow = (p: number) =>
      Array.from(
        { length: WIDTH },
        (_, i) => model.readFloatLE(positions.offset + 4 * (p * WIDTH + i)) / 30,
      );
    expect(positionRow(0)).toEqual(timestamp);
    expect([1, 2, 3].map(positionRow)).toEqual([text, text, text]);
    expect(positionRow(4)).toEqual(end);
    expect(positionRow(CONTEXTS - 1)).toEqual(end);
    const tokenRow = (token: number) =>
      Array.from({ length: WIDTH }, (_, i) =>
        model.readUInt16LE(embedding.offset + 2 * (token * WIDTH + i)),
      );
    expect(tokenRow(50363)).toEqual(timestamp.map((s) => toHalf(0.05 * s)));
    expect(tokenRow(1000)).toEqual(text.map((s) => toHalf(0.05 * s)));
    expect(tokenRow(50256)).toEqual(end.map((s) => toHalf(0.05 * s)));
    expect(tokenRow(999)).toEqual(Array(WIDTH).fill(toHalf(0.25)));
    expect(model.length).toBe(before.length);
    const ln = at('decoder.ln.weight');
    expect(model.subarray(ln.offset)).toEqual(before.subarray(ln.offset));
  });

  it('refuses more tokens than whisper decodes in one call, or than pass its entropy check', () => {
    expect(() => fixDecoder(miniModel(), { tokens: CONTEXTS / 2 - 1 })).toThrow(/between 1 and 6/);
    expect(() => fixDecoder(miniModel(), { tokens: 0 })).toThrow(/tokens must be/);
    expect(() => fixDecoder(miniModel(448), { tokens: 31 })).toThrow(/between 1 and 30/);
    expect(() => fixDecoder(miniModel(448), { tokens: 30 })).not.toThrow();
  });
});
