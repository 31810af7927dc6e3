import { describe, expect, it } from 'vitest';
import { mergeText } from '../../../shared/sync/merge';

describe('three-way merge of a text field', () => {
  it('merges edits to different lines', () => {
    expect(mergeText('a\nb\nc', 'A\nb\nc', 'a\nb\nC')).toEqual({ isClean: true, text: 'A\nb\nC' });
  });

  it('takes the one side that changed, and one of two equal changes', () => {
    expect(mergeText('a', 'a', 'b')).toEqual({ isClean: true, text: 'b' });
    expect(mergeText('a', 'b', 'a')).toEqual({ isClean: true, text: 'b' });
    expect(mergeText('a\nb', 'a\nX', 'a\nX')).toEqual({ isClean: true, text: 'a\nX' });
  });

  it('marks a line both sides changed, with both versions, for the author to settle', () => {
    expect(mergeText('Cause: unknown\nNext: wait', 'Cause: the IdP\nNext: wait', 'Cause: the proxy\nNext: wait')).toEqual({
      isClean: false,
      text: '<<<<<<< your version\nCause: the IdP\n=======\nCause: the proxy\n>>>>>>> their version\nNext: wait',
    });
  });
});
