import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { MAX_NAME_LENGTH, nameProblem } from '../../common/validation/text-rules';
import {
  MAX_ID_LENGTH,
  MAX_SOURCES,
  PasswordSyncGroupDto,
  passwordPolicyIdProblem,
  sourceIdsProblem,
} from './password-sync-group.dto';

describe('limits', () => {
  it('match SailPoint: name 255, ids 128, 250 sources', () => {
    expect([MAX_NAME_LENGTH, MAX_ID_LENGTH, MAX_SOURCES]).toEqual([255, 128, 250]);
  });
});

describe('nameProblem', () => {
  it('accepts 1 to 255 characters, spaces inside included', () => {
    expect(nameProblem('a')).toBeUndefined();
    expect(nameProblem('Password Sync Group 1')).toBeUndefined();
    expect(nameProblem('x'.repeat(255))).toBeUndefined();
  });

  it('rejects 256 characters', () => {
    expect(nameProblem('x'.repeat(256))).toBe('name must be at most 255 characters (got 256).');
  });

  it('rejects an empty name', () => {
    expect(nameProblem('')).toBe('name must not be empty or only whitespace.');
  });

  it.each([undefined, null])('requires a value (%p)', (value) => {
    expect(nameProblem(value)).toBe('name is required.');
  });

  it('rejects the NUL character (PostgreSQL text cannot store it)', () => {
    expect(nameProblem('a\u0000b')).toBe('name must not contain the NUL character (\\u0000).');
  });

  it.each([
    [42, 'name must be a string (got 42).'],
    [true, 'name must be a string (got true).'],
    [['a'], 'name must be a string (got ["a"]).'],
    [{ en: 'a' }, 'name must be a string (got {"en":"a"}).'],
  ])('rejects the non-string %j', (value, text) => {
    expect(nameProblem(value)).toBe(text);
  });
});

describe('passwordPolicyIdProblem', () => {
  it('accepts 1 to 128 non-whitespace characters', () => {
    expect(passwordPolicyIdProblem('2c91808d744ba0ce01746f93b6204501')).toBeUndefined();
    expect(passwordPolicyIdProblem('p')).toBeUndefined();
    expect(passwordPolicyIdProblem('p'.repeat(128))).toBeUndefined();
  });

  it('rejects 129 characters', () => {
    expect(passwordPolicyIdProblem('p'.repeat(129))).toBe('passwordPolicyId must be at most 128 characters (got 129).');
  });

  it.each([undefined, null])('requires a value (%p)', (value) => {
    expect(passwordPolicyIdProblem(value)).toBe('passwordPolicyId is required.');
  });

  it('rejects an empty string', () => {
    expect(passwordPolicyIdProblem('')).toBe('passwordPolicyId must not be empty.');
  });

  it('rejects the NUL character', () => {
    expect(passwordPolicyIdProblem('pp\u0000')).toBe('passwordPolicyId must not contain the NUL character (\\u0000).');
  });

  it.each([
    [' abc', 'passwordPolicyId must not contain whitespace (got " abc").'],
    ['abc ', 'passwordPolicyId must not contain whitespace (got "abc ").'],
    ['a b', 'passwordPolicyId must not contain whitespace (got "a b").'],
    ['a\tb', 'passwordPolicyId must not contain whitespace (got "a\\tb").'],
    ['   ', 'passwordPolicyId must not contain whitespace (got "   ").'],
  ])('rejects whitespace in %j', (value, text) => {
    expect(passwordPolicyIdProblem(value)).toBe(text);
  });

  it.each([
    [123, 'passwordPolicyId must be a string (got 123).'],
    [{}, 'passwordPolicyId must be a string (got {}).'],
    [[], 'passwordPolicyId must be a string (got []).'],
  ])('rejects the non-string %j', (value, text) => {
    expect(passwordPolicyIdProblem(value)).toBe(text);
  });

  it('shortens a long quoted value to 80 characters', () => {
    const value = ' '.repeat(100);
    expect(passwordPolicyIdProblem(value)).toBe(
      `passwordPolicyId must not contain whitespace (got "${' '.repeat(76)}...).`,
    );
  });
});

describe('sourceIdsProblem', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `src-${i}`);

  it('accepts 1 to 250 distinct ids', () => {
    expect(sourceIdsProblem(['a'])).toBeUndefined();
    expect(sourceIdsProblem(ids(250))).toBeUndefined();
  });

  it('rejects 251 ids and an empty list', () => {
    expect(sourceIdsProblem(ids(251))).toBe('sourceIds must hold 1 to 250 source ids (got 251).');
    expect(sourceIdsProblem([])).toBe('sourceIds must hold 1 to 250 source ids (got 0).');
  });

  it.each([undefined, null])('requires a value (%p)', (value) => {
    expect(sourceIdsProblem(value)).toBe('sourceIds is required.');
  });

  it.each([
    ['a,b', 'sourceIds must be an array of source ids (got "a,b").'],
    [{ 0: 'a' }, 'sourceIds must be an array of source ids (got {"0":"a"}).'],
    [7, 'sourceIds must be an array of source ids (got 7).'],
  ])('rejects the non-array %j', (value, text) => {
    expect(sourceIdsProblem(value)).toBe(text);
  });

  it('checks each item like an id, naming its index, all problems in one text', () => {
    expect(sourceIdsProblem(['ok', 1, '', null, 'a b', 'x'.repeat(129), undefined])).toBe(
      [
        'sourceIds[1] must be a string (got 1).',
        'sourceIds[2] must not be empty.',
        'sourceIds[3] must be a string (got null).',
        'sourceIds[4] must not contain whitespace (got "a b").',
        'sourceIds[5] must be at most 128 characters (got 129).',
        'sourceIds[6] must be a string (got nothing).',
      ].join(' '),
    );
  });

  it('rejects the NUL character in an item, naming its index', () => {
    expect(sourceIdsProblem(['ok', 's\u00001'])).toBe('sourceIds[1] must not contain the NUL character (\\u0000).');
  });

  it('accepts an item of exactly 128 characters', () => {
    expect(sourceIdsProblem(['x'.repeat(128)])).toBeUndefined();
  });

  it('lists each repeated id once, in order of first repetition', () => {
    expect(sourceIdsProblem(['b', 'a', 'a', 'c', 'b', 'a', 'b'])).toBe(
      "sourceIds must be distinct; repeated: 'a', 'b'.",
    );
  });

  it('is case-sensitive about repetition', () => {
    expect(sourceIdsProblem(['abc', 'ABC'])).toBeUndefined();
  });

  it('reports item problems before repetitions, and does not count invalid items as repeats', () => {
    expect(sourceIdsProblem(['a', ' x', 'a', ' x'])).toBe(
      [
        'sourceIds[1] must not contain whitespace (got " x").',
        'sourceIds[3] must not contain whitespace (got " x").',
        "sourceIds must be distinct; repeated: 'a'.",
      ].join(' '),
    );
  });

  it('checks items of a full list of 250', () => {
    const list = ids(250);
    list[249] = list[0];
    expect(sourceIdsProblem(list)).toBe("sourceIds must be distinct; repeated: 'src-0'.");
  });
});

describe('PasswordSyncGroupDto (as the validation pipe applies it)', () => {
  const valid = { name: 'Group', passwordPolicyId: 'pp-1', sourceIds: ['s1'] };

  /** Transform then validate, as ValidationPipe does; returns the instance and the causes. */
  function check(body: Record<string, unknown>): { dto: PasswordSyncGroupDto; causes: string[] } {
    const dto = plainToInstance(PasswordSyncGroupDto, body);
    const errors = validateSync(dto, { stopAtFirstError: true });
    return { dto, causes: errors.map((e) => Object.values(e.constraints ?? {})[0]) };
  }

  it('accepts a valid body', () => {
    expect(check(valid).causes).toEqual([]);
  });

  it('trims the name before checking it', () => {
    const { dto, causes } = check({ ...valid, name: `  ${'n'.repeat(255)}\t` });
    expect(causes).toEqual([]);
    expect(dto.name).toBe('n'.repeat(255));
  });

  it('rejects a whitespace-only name as empty', () => {
    expect(check({ ...valid, name: ' \t\n ' }).causes).toEqual(['name must not be empty or only whitespace.']);
  });

  it('does not trim ids', () => {
    expect(check({ ...valid, passwordPolicyId: ' pp-1' }).causes).toEqual([
      'passwordPolicyId must not contain whitespace (got " pp-1").',
    ]);
  });

  it('gives one cause per offending field', () => {
    expect(check({}).causes).toEqual(['name is required.', 'passwordPolicyId is required.', 'sourceIds is required.']);
  });
});
