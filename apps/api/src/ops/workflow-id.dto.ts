import { TextField } from '../common/request-validators.js';

/** A workflow id as procureflow names them: `cycle-<uuid>`, a contract's `cycle-<uuid>/contract/<vendorId>`, a case's `case-<uuid>`. */
export const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,199}$/;

/** The process an ops route acts on, named by its workflow id. */
export class WorkflowIdParamsDto {
  @TextField({
    description: 'The workflow id of a cycle, contract or case (URL-encoded: a contract’s holds "/").',
    example: 'cycle-0f8e6c9e-3b7a-4c55-9f0e-2d1b8c7a6e54',
    maxLength: 200,
    pattern: { regex: WORKFLOW_ID_PATTERN, message: 'workflowId must be a workflow id: 1–200 letters, digits, ".", "_", ":", "#", "/" or "-"' },
  })
  workflowId!: string;
}
