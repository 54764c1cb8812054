import { MINIMAL_PROCEDURE as MINIMAL } from './minimal-procedure.js';

/** The minimal test procedure with a staffing input, a staffing form on the budget draft, and checks on both. */
export const WITH_CHECKS = MINIMAL.replace(
  '  - { id: pricePerPersonYearFen,',
  [
    '  - { id: socialWorkers, title: { zh: 专职社工人数, en: Social workers }, type: int, min: 0, default: 2 }',
    '  - { id: pricePerPersonYearFen,',
  ].join('\n'),
)
  .replace(
    'derived:\n',
    [
      'inputChecks:',
      '  - expr: socialWorkers * 20 >= supervisedPersons',
      '    message: { zh: 社工与矫正对象之比不低于1:20, en: One social worker per 20 supervised persons at most }',
      '    sources: [{ seed: 002_6210f319696acedb.txt, section: 二是加强专职社工队伍建设, quote: 1：20 }]',
      'derived:',
      '',
    ].join('\n'),
  )
  .replace(
    '            - { id: justification, title: { zh: 编制依据, en: Justification }, type: string, minLength: 1 }\n',
    [
      '            - { id: justification, title: { zh: 编制依据, en: Justification }, type: string, minLength: 1 }',
      '            - { id: staffed, title: { zh: 配备社工, en: Social workers staffed }, type: int, min: 0 }',
      '            - { id: served, title: { zh: 服务对象, en: Persons served }, type: int, min: 0 }',
      '            - { id: note, title: { zh: 备注, en: Note }, type: int, required: false }',
      '          checks:',
      '            - expr: staffed * 20 >= served',
      '              message: { zh: 社工与服务对象之比不低于1:20, en: One social worker per 20 persons served at most }',
      '            - expr: served <= inputs.supervisedPersons',
      '              message: { zh: 服务对象不超过矫正对象人数, en: No more persons served than supervised }',
      '            - expr: note > 0',
      '              message: { zh: 备注须为正数, en: The note must be positive }',
      '',
    ].join('\n'),
  );
