import { unstorableText } from './storableText.js';

describe('unstorableText', () => {
  it('finds nothing in a payload PostgreSQL stores, emoji (a surrogate pair) and escaped backslashes included', () => {
    const payload = JSON.parse(
      '{"id":"evt_1","data":{"object":{"description":"paid \\ud83d\\ude00 \\\\ud800","amounts":[1,null,true]}}}',
    ) as unknown;
    expect(unstorableText(payload)).toBeNull();
    expect(unstorableText(null)).toBeNull();
    expect(unstorableText(42)).toBeNull();
  });

  it.each([
    ['a text field', '{"data":{"object":{"description":"a\\u0000b"}}}'],
    ['a list item', '{"data":{"object":{"lines":["ok",["x\\u0000"]]}}}'],
    ['a field name', '{"data":{"object":{"metadata":{"k\\u0000":"v"}}}}'],
  ])('says a NUL in %s cannot be stored', (_where, json) => {
    expect(unstorableText(JSON.parse(json))).toEqual({
      problem: 'nul',
      message: expect.stringContaining('NUL'),
    });
  });

  it.each([
    ['a first half alone', '"\\ud800x"'],
    ['a first half at the end, in upper case', '"x\\uDBFF"'],
    ['a second half before a first', '"\\udc00\\ud83d"'],
  ])('says a lone surrogate (%s) cannot be stored, in a text or a field name', (_what, text) => {
    for (const json of [`{"data":{"description":${text}}}`, `{"data":{${text}:1}}`]) {
      expect(unstorableText(JSON.parse(json))).toEqual({
        problem: 'lone_surrogate',
        message: expect.stringContaining('lone UTF-16 surrogate'),
      });
    }
  });

  it('walks a payload nested deeper than the call stack goes', () => {
    const depth = 200_000;
    const nested = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`) as unknown;
    expect(unstorableText(nested)).toMatchObject({ problem: 'nul' });
  });
});
