import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, definitionHash, sha256Hex } from '../../../shared/wizards/index';
import { fixtureLibrary } from './support';

describe('sha256Hex', () => {
  it('matches the standard test vectors and Node for inputs across block boundaries', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const length of [55, 56, 63, 64, 65, 119, 1000]) {
      const text = 'é'.repeat(length) + 'x'.repeat(length);
      expect(sha256Hex(text), String(length)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });
});

describe('definitionHash', () => {
  it('ignores key order but not content', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const [definition] = fixtureLibrary();
    if (!definition) throw new Error('no fixtures');
    const reordered = Object.fromEntries(Object.entries(definition).reverse()) as typeof definition;
    expect(definitionHash(reordered)).toBe(definitionHash(definition));
    expect(definitionHash({ ...definition, title: `${definition.title}!` })).not.toBe(definitionHash(definition));
  });
});
