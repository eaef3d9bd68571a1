import { describe, expect, it } from 'vitest';
import { RandomStreams, SeededRandom } from '../../src/util/random.js';

const draw = (random: SeededRandom) => Array.from(random.permutation(20));

describe('RandomStreams', () => {
  // data/ draws its caps and splits from these: a stream must give the numbers SeededRandom.derive
  // gave the seed and label before, or every earlier run's data would change.
  it('gives each label the stream SeededRandom.derive gives the seed and that label', () => {
    const streams = new RandomStreams(7);
    expect(draw(streams.stream('data-train'))).toEqual(draw(SeededRandom.derive(7, 'data-train')));
    expect(draw(streams.stream('data-split'))).toEqual(draw(SeededRandom.derive(7, 'data-split')));
  });

  it('gives different labels and different seeds different streams, and the same ones the same', () => {
    const streams = new RandomStreams(7);
    expect(draw(streams.stream('data-train'))).not.toEqual(draw(streams.stream('data-test')));
    expect(draw(new RandomStreams(8).stream('data-train'))).not.toEqual(draw(streams.stream('data-train')));
    expect(draw(streams.stream('data-train'))).toEqual(draw(new RandomStreams(7).stream('data-train')));
  });
});
