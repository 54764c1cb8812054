import { csvCell } from '../../../activities/treasury.js';

describe('a treasury export cell', () => {
  it.each([
    ['德清县阳光社会工作服务中心', '德清县阳光社会工作服务中心'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=1+1', "'=1+1"],
    ['+86', "'+86"],
    ['-5', "'-5"],
    ['@sum', "'@sum"],
    ['=a,"b"', `"'=a,""b"""`],
  ])('writes %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});
