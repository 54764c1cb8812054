import type { TaskNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { CONTRACT_TERM_TITLES, FILED_WITH_FIELD } from '../../../src/definitions/procedure/procedure-vocabulary.js';
import { Refusal, type Run } from '../run.js';
import type { FormValues } from '../types.js';

/**
 * What a positive decision of a contract-step task means for the contract rules of the definition:
 * the draft (`contract.draftedIn`) must contain every required term, and may not declare a subcontract
 * when subcontracting is forbidden; the vendor's signing task (`contract.attestedIn`) must carry its
 * attestation that it will not subcontract. Refuses, naming what is missing, before anything changes.
 */
export function checkContractTask(run: Run, node: TaskNodeT, fields: FormValues): void {
  const step = run.step;
  if (step.kind !== 'contractFiling') return;
  const { contract } = step;
  if (node.id === contract.draftedIn) {
    const missing = contract.requiredTerms.filter((term) => fields[term] !== true);
    if (missing.length > 0) {
      const titles = missing.map((term) => CONTRACT_TERM_TITLES[term].zh).join('、');
      throw new Refusal(
        'invalid',
        `合同草案缺少必备条款：${titles} (the draft lacks required terms: ${missing.join(', ')})`,
        `fields.${missing[0]}`,
        missing.map((term) => ({ field: `fields.${term}`, problem: `缺少必备条款“${CONTRACT_TERM_TITLES[term].zh}” (the contract must state its ${CONTRACT_TERM_TITLES[term].en})` })),
      );
    }
    const declared = contract.subcontractDeclaredIn;
    if (contract.subcontracting === 'forbidden' && declared && fields[declared] === true) {
      throw new Refusal('invalid', '本合同严禁转包，合同草案不得约定分包 (subcontracting is forbidden: the draft may not subcontract — Implementing Regulations art. 72)', `fields.${declared}`);
    }
  }
  const attested = contract.attestedIn;
  if (contract.subcontracting === 'forbidden' && attested && node.id === attested.task && fields[attested.field] !== true) {
    throw new Refusal('invalid', '承接主体须在签订合同时承诺不转包、不违法分包 (the vendor must attest at signing that it will not subcontract — Implementing Regulations art. 72)', `fields.${attested.field}`);
  }
}

/**
 * The record of a positive decision of a contract-step task: for the filing task (`contract.filedIn`),
 * the fields entered plus the body the contract was filed with (`contract.filedWith`, GPL art. 47), so
 * the task's record in the read model and the API names it; any other task's fields unchanged.
 */
export function recordFiling(run: Run, node: TaskNodeT, fields: FormValues): FormValues {
  const step = run.step;
  if (step.kind !== 'contractFiling' || node.id !== step.contract.filedIn || !step.contract.filedWith) return fields;
  return { ...fields, [FILED_WITH_FIELD]: step.contract.filedWith };
}
