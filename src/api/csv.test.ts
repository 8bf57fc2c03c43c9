import { csvLine } from './csv.js';

describe('csvLine', () => {
  it('neutralises text a spreadsheet would run as a formula, with a leading apostrophe', () => {
    expect(csvLine(['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])).toBe(
      `"'=HYPERLINK(""http://x"")",'+1,'-2+3,'@SUM(A1),'\tx,"'\rx"\r\n`,
    );
  });

  it('leaves numbers, including negative amounts, and ordinary text as they are', () => {
    expect(csvLine([-7900, 0, 'pi_123', 'a=b', null, 'x,y'])).toBe('-7900,0,pi_123,a=b,,"x,y"\r\n');
  });
});
