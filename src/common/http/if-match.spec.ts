import { DomainError } from '../errors/domain-error';
import { parseIfMatch, strongTags, versionEtag, versionsMatching } from './if-match';

describe('parseIfMatch (RFC 9110 §13.1.1)', () => {
  it('absent header: no precondition', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it('* matches anything', () => {
    expect(parseIfMatch('*')).toEqual({ any: true });
    expect(parseIfMatch('  *  ')).toEqual({ any: true });
  });

  it('parses strong and weak tags, commas inside tags, and ignores empty list elements', () => {
    expect(parseIfMatch('"1", W/"2" ,, "a,b" ,')).toEqual({
      any: false,
      tags: [
        { weak: false, opaque: '"1"' },
        { weak: true, opaque: '"2"' },
        { weak: false, opaque: '"a,b"' },
      ],
    });
  });

  it('joins repeated header fields into one list', () => {
    expect(parseIfMatch(['"1"', '"2"'])).toEqual({
      any: false,
      tags: [
        { weak: false, opaque: '"1"' },
        { weak: false, opaque: '"2"' },
      ],
    });
  });

  it('strongTags keeps only the strong ones (If-Match uses the strong comparison)', () => {
    const parsed = parseIfMatch('W/"1", "2"');
    expect(parsed && !parsed.any && strongTags(parsed)).toEqual(['"2"']);
  });

  it.each(['', ' ', ',', '1', '"1', '1"', '"1" "2"', '*, "1"', 'W/ "1"', 'w/"1"', '"a b"', '"\u0001"', '"1";x'])(
    'rejects %j with a 400 naming the header',
    (value) => {
      let error: unknown;
      try {
        parseIfMatch(value);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('BAD_REQUEST');
      expect((error as DomainError).causes[0]).toMatch(
        /^Header If-Match must be "\*" or a comma-separated list of entity tags/,
      );
    },
  );

  describe('versioned resources: the ETag is the version', () => {
    it('versionEtag quotes the version, and versionsMatching reads it back', () => {
      expect(versionEtag(3)).toBe('"3"');
      expect(versionsMatching(parseIfMatch(`${versionEtag(3)}, ${versionEtag(12)}`))).toEqual([3, 12]);
    });

    it('no condition, or *, accepts any version (undefined)', () => {
      expect(versionsMatching(undefined)).toBeUndefined();
      expect(versionsMatching(parseIfMatch('*'))).toBeUndefined();
    });

    it('weak tags and tags no version has accept no version at all', () => {
      expect(versionsMatching(parseIfMatch('W/"3", "0", "03", "x", "1234567890", ""'))).toEqual([]);
      expect(versionsMatching(parseIfMatch('W/"3", "4"'))).toEqual([4]);
    });
  });
});
