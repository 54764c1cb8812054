import type { DocumentPath } from '../diagnostics.js';
import { type ExpectedType, type ExpressionScope, type FixedShare, fixedShareOf } from '../expressions/expression-language.js';
import type { RuleContext, SemanticRule } from '../rules/rule.js';
import { CHECK_CONTEXT_VARIABLES, checkScope, fieldsReadBy } from './field-checks.js';
import { canReach, edgesOf, onlyAfterSuccessOf, reachable, successorsOf } from './procedure-graph-analysis.js';
import { buildProcedureScopes, type ProcedureScopes } from './procedure-scopes.js';
import { type FieldCheckT, type FieldDefinitionT, type FlowNodeT, KIND_SPECIFIC_NODES, type ProcedureDefinition, type ProcedureStep, GENERIC_NODE_KINDS, type ValueTypeT } from './procedure.schema.js';
import { CONTRACT_SCOPED_KINDS, FILED_WITH_FIELD, MINIMUM_BIDDERS_FLOOR, PROCUREMENT_METHODS, type ProcurementMethodT, STEP_KINDS } from './procedure-vocabulary.js';

type Context = RuleContext<ProcedureDefinition>;

/** The role vendor staff act in (the engine's BIDDING_ROLES names it too): the one that attests at signing. */
const VENDOR_ROLE = 'vendor';

/** A node of the procedure with where it lives: its step and its path in the document. */
interface LocatedNode<N extends FlowNodeT = FlowNodeT> {
  readonly node: N;
  readonly stepIndex: number;
  readonly path: DocumentPath;
  /** The node the step's graph knows it by: itself, or, for a task of a parallel sign-off, that sign-off. */
  readonly graphId: string;
}

type NodeOfType<T extends FlowNodeT['type']> = Extract<FlowNodeT, { type: T }>;

/**
 * The one walk over a procedure's nodes that the rules share: every node of every step (or of step
 * `stepIndex` only), the tasks of parallel sign-offs included, in document order, each with the path
 * a diagnostic points at; `type` keeps the nodes of that type.
 */
function locatedNodes(procedure: ProcedureDefinition, stepIndex?: number): LocatedNode[];
function locatedNodes<T extends FlowNodeT['type']>(procedure: ProcedureDefinition, stepIndex: number | undefined, type: T): Array<LocatedNode<NodeOfType<T>>>;
function locatedNodes(procedure: ProcedureDefinition, stepIndex?: number, type?: FlowNodeT['type']): LocatedNode[] {
  const all = procedure.steps.flatMap((step, s) => {
    if (stepIndex !== undefined && s !== stepIndex) return [];
    return step.flow.nodes.flatMap((node, nodeIndex): LocatedNode[] => {
      const path = ['steps', s, 'flow', 'nodes', nodeIndex];
      const own: LocatedNode = { node, stepIndex: s, path, graphId: node.id };
      if (node.type !== 'parallel') return [own];
      return [own, ...node.tasks.map((task, taskIndex) => ({ node: task, stepIndex: s, path: [...path, 'tasks', taskIndex], graphId: node.id }))];
    });
  });
  return type === undefined ? all : all.filter((located) => located.node.type === type);
}

/** The node `id` of step `stepIndex` as the step's graph knows it: itself, or the parallel sign-off holding it. */
function graphIdOf(procedure: ProcedureDefinition, stepIndex: number, id: string | undefined): string | undefined {
  return id === undefined ? undefined : locatedNodes(procedure, stepIndex).find((located) => located.node.id === id)?.graphId;
}

/** Each step of `kind` with its index: where the rules about one step kind begin. */
function stepsOfKind<K extends ProcedureStep['kind']>(procedure: ProcedureDefinition, kind: K): Array<{ step: Extract<ProcedureStep, { kind: K }>; stepIndex: number }> {
  return procedure.steps.flatMap((step, stepIndex) => (step.kind === kind ? [{ step: step as Extract<ProcedureStep, { kind: K }>, stepIndex }] : []));
}

function graphOf(step: ProcedureStep): Map<string, FlowNodeT> {
  return new Map(step.flow.nodes.map((node) => [node.id, node]));
}

function reportDuplicates(context: Context, entries: ReadonlyArray<{ id: string; path: DocumentPath }>, what: string): void {
  const first = new Map<string, DocumentPath>();
  for (const { id, path } of entries) {
    const earlier = first.get(id);
    if (earlier) {
      const { line } = context.source.locate(earlier);
      context.report(path, `${what} "${id}" is declared twice (first on line ${line}); ids must be unique`);
    } else first.set(id, path);
  }
}

const list = (ids: Iterable<string>) => [...ids].map((id) => `"${id}"`).join(', ');

const stepOrder: SemanticRule<ProcedureDefinition> = {
  id: 'PF-STEP-ORDER',
  description: 'The six steps appear once each, in the order of the purchase procedure.',
  check(context) {
    context.definition.steps.forEach((step, index) => {
      const expected = STEP_KINDS[index];
      if (step.kind !== expected) {
        context.report(['steps', index, 'kind'], `step ${index + 1} must be of kind "${expected}", not "${step.kind}" (order: ${STEP_KINDS.join(' → ')})`);
      }
    });
  },
};

const uniqueIds: SemanticRule<ProcedureDefinition> = {
  id: 'PF-UNIQUE-ID',
  description: 'Ids are unique where they are referred to: roles, inputs and derived values, notices, steps, nodes, and the items of every list.',
  check(context) {
    const p = context.definition;
    reportDuplicates(context, p.roles.map((r, i) => ({ id: r.id, path: ['roles', i, 'id'] })), 'role');
    reportDuplicates(
      context,
      [...p.inputs.map((f, i) => ({ id: f.id, path: ['inputs', i, 'id'] })), ...p.derived.map((d, i) => ({ id: d.id, path: ['derived', i, 'id'] }))],
      'input or derived value',
    );
    reportDuplicates(context, p.notices.map((n, i) => ({ id: n.id, path: ['notices', i, 'id'] })), 'notice');
    reportDuplicates(context, p.steps.map((s, i) => ({ id: s.id, path: ['steps', i, 'id'] })), 'step');
    reportDuplicates(context, locatedNodes(p).map(({ node, path }) => ({ id: node.id, path: [...path, 'id'] })), 'node');
    for (const { node, path } of locatedNodes(p)) {
      if (node.type === 'task') reportDuplicates(context, node.form.map((f, i) => ({ id: f.id, path: [...path, 'form', i, 'id'] })), 'form field');
    }
    p.steps.forEach((step, s) => {
      const at = (key: string, items: ReadonlyArray<{ id: string }>, what: string, ...prefix: string[]) =>
        reportDuplicates(context, items.map((item, i) => ({ id: item.id, path: ['steps', s, ...prefix, key, i, 'id'] })), what);
      if (step.kind === 'budgeting') at('components', step.budget.components, 'budget component', 'budget');
      if (step.kind === 'vendorSelection') {
        at('criteria', step.selection.qualification.criteria, 'qualification criterion', 'selection', 'qualification');
        at('criteria', step.selection.evaluation.criteria, 'evaluation criterion', 'selection', 'evaluation');
      }
      if (step.kind === 'contractFiling') at('serviceLevels', step.contract.serviceLevels, 'service level', 'contract');
      if (step.kind === 'performanceManagement') {
        at('lines', step.performance.ledger.lines, 'ledger line', 'performance', 'ledger');
        at('kpis', step.performance.kpis, 'KPI', 'performance');
        at('indicators', step.performance.evaluation.indicators, 'evaluation indicator', 'performance', 'evaluation');
      }
      if (step.kind === 'paymentRelease') at('tranches', step.payment.tranches, 'tranche', 'payment');
    });
  },
};

const roleReferences: SemanticRule<ProcedureDefinition> = {
  id: 'PF-REF-ROLE',
  description: 'Every role a task, sign-off, escalation, authority, sealed-bid reader or confidential field names is declared under `roles`.',
  check(context) {
    const p = context.definition;
    const declared = new Set(p.roles.map((r) => r.id));
    const check = (role: string | undefined, path: DocumentPath) => {
      if (role !== undefined && !declared.has(role)) context.report(path, `role "${role}" is not declared under roles (declared: ${list(declared)})`);
    };
    for (const { field, path } of locatedFields(p)) field.confidential?.readableBy.forEach((role, i) => check(role, [...path, 'confidential', 'readableBy', i]));
    for (const { node, path } of locatedNodes(p)) {
      if ('role' in node) check(node.role, [...path, 'role']);
      if ('sla' in node && node.sla) check(node.sla.escalateTo, [...path, 'sla', 'escalateTo']);
      if (node.type === 'task' && node.due) check(node.due.escalateTo, [...path, 'due', 'escalateTo']);
    }
    p.steps.forEach((step, s) => {
      if (step.kind === 'vendorSelection') {
        const base = ['steps', s, 'selection'];
        check(step.selection.methods.approvedBy, [...base, 'methods', 'approvedBy']);
        check(step.selection.qualification.verifiedBy, [...base, 'qualification', 'verifiedBy']);
        check(step.selection.bidding.whenTooFew.approvedBy, [...base, 'bidding', 'whenTooFew', 'approvedBy']);
        step.selection.bidding.sealed.readableBy.forEach((role, i) => check(role, [...base, 'bidding', 'sealed', 'readableBy', i]));
        if (step.selection.challenges) {
          check(step.selection.challenges.answeredBy, [...base, 'challenges', 'answeredBy']);
          check(step.selection.challenges.answer.escalateTo, [...base, 'challenges', 'answer', 'escalateTo']);
        }
      }
      if (step.kind === 'contractFiling') check(step.contract.filedWith, ['steps', s, 'contract', 'filedWith']);
      if (step.kind === 'performanceManagement') {
        check(step.performance.ledger.submittedBy, ['steps', s, 'performance', 'ledger', 'submittedBy']);
        check(step.performance.ledger.confirmedBy, ['steps', s, 'performance', 'ledger', 'confirmedBy']);
        if (step.performance.ledger.late) check(step.performance.ledger.late.escalateTo, ['steps', s, 'performance', 'ledger', 'late', 'escalateTo']);
      }
    });
  },
};

const nodeReferences: SemanticRule<ProcedureDefinition> = {
  id: 'PF-REF-NODE',
  description: 'A flow starts at one of its nodes, and every `next`, `onReturn`, `onReject`, `onTooFew`, `onFail` and branch target names a node of the same step.',
  check(context) {
    context.definition.steps.forEach((step, s) => {
      const graph = graphOf(step);
      const known = () => `nodes of step "${step.id}": ${list(graph.keys())}`;
      if (!graph.has(step.flow.start)) context.report(['steps', s, 'flow', 'start'], `start node "${step.flow.start}" is not a node of this step (${known()})`);
      step.flow.nodes.forEach((node, n) => {
        const base = ['steps', s, 'flow', 'nodes', n];
        const check = (target: string | undefined, path: DocumentPath) => {
          if (target !== undefined && !graph.has(target)) context.report(path, `"${target}" is not a node of this step (${known()})`);
        };
        switch (node.type) {
          case 'task':
            node.decisions.forEach((d, i) => check(d.next, [...base, 'decisions', i, 'next']));
            break;
          case 'parallel':
            check(node.next, [...base, 'next']);
            check(node.onReturn, [...base, 'onReturn']);
            check(node.onReject, [...base, 'onReject']);
            node.tasks.forEach((task, t) =>
              task.decisions.forEach((d, i) => {
                if (d.next !== node.id) {
                  context.report([...base, 'tasks', t, 'decisions', i, 'next'], `a task inside a parallel sign-off returns to it: write next: ${node.id} (the parallel node's next, onReturn and onReject decide where the flow goes)`);
                }
              }),
            );
            break;
          case 'branch':
            node.cases.forEach((c, i) => check(c.next, [...base, 'cases', i, 'next']));
            check(node.otherwise, [...base, 'otherwise']);
            break;
          case 'bidding':
            check(node.next, [...base, 'next']);
            check(node.onTooFew, [...base, 'onTooFew']);
            break;
          case 'acceptance':
            check(node.next, [...base, 'next']);
            check(node.onFail, [...base, 'onFail']);
            break;
          case 'end':
            break;
          default:
            check(node.next, [...base, 'next']);
        }
      });
    });
  },
};

const nodeKinds: SemanticRule<ProcedureDefinition> = {
  id: 'PF-NODE-KIND',
  description: 'Kind-specific nodes appear only in their step kind: bidding and award in vendor selection; ledgerPeriods, evaluation and acceptance in performance management; payment in the contract steps.',
  check(context) {
    const generic = new Set<string>(GENERIC_NODE_KINDS);
    context.definition.steps.forEach((step, s) => {
      const allowed = new Set<string>([...generic, ...KIND_SPECIFIC_NODES[step.kind]]);
      step.flow.nodes.forEach((node, n) => {
        if (!allowed.has(node.type)) {
          const home = Object.entries(KIND_SPECIFIC_NODES)
            .filter(([, types]) => (types as readonly string[]).includes(node.type))
            .map(([kind]) => kind);
          context.report(['steps', s, 'flow', 'nodes', n, 'type'], `a "${node.type}" node belongs in a ${home.join(' or ')} step, not in "${step.kind}"`);
        }
      });
    });
  },
};

const requiredNodes: SemanticRule<ProcedureDefinition> = {
  id: 'PF-STEP-NODES',
  description:
    'Vendor selection has exactly one bidding and one award node; performance management at least one ledgerPeriods, evaluation and acceptance node (several for mid-term ones, PF-LEDGER-THROUGH).',
  check(context) {
    const required: Partial<Record<ProcedureStep['kind'], string[]>> = {
      vendorSelection: ['bidding', 'award'],
      performanceManagement: ['ledgerPeriods', 'evaluation', 'acceptance'],
    };
    // A performance step may run its ledger periods in several nodes, with evaluations and acceptances mid-term.
    const several = new Set<string>(['ledgerPeriods', 'evaluation', 'acceptance']);
    context.definition.steps.forEach((step, s) => {
      for (const type of required[step.kind] ?? []) {
        const found = step.flow.nodes.map((node, n) => ({ node, n })).filter(({ node }) => node.type === type);
        if (found.length === 0) context.report(['steps', s, 'flow', 'nodes'], `step "${step.id}" needs ${/^[aeiou]/.test(type) ? 'an' : 'a'} "${type}" node`);
        if (several.has(type)) continue;
        for (const extra of found.slice(1)) context.report(['steps', s, 'flow', 'nodes', extra.n, 'type'], `step "${step.id}" may have only one "${type}" node`);
      }
    });
  },
};

const reachability: SemanticRule<ProcedureDefinition> = {
  id: 'PF-REACHABLE',
  description: 'Every node can be reached from the start of its step.',
  check(context) {
    context.definition.steps.forEach((step, s) => {
      const graph = graphOf(step);
      if (!graph.has(step.flow.start)) return;
      const seen = reachable(graph, [step.flow.start]);
      step.flow.nodes.forEach((node, n) => {
        if (!seen.has(node.id)) context.report(['steps', s, 'flow', 'nodes', n, 'id'], `node "${node.id}" can never be reached from the start of step "${step.id}"`);
      });
    });
  },
};

const termination: SemanticRule<ProcedureDefinition> = {
  id: 'PF-TERMINATES',
  description: 'From every node some path reaches an end node, and every step has an end that completes it.',
  check(context) {
    context.definition.steps.forEach((step, s) => {
      const graph = graphOf(step);
      const ends = step.flow.nodes.filter((node) => node.type === 'end');
      if (!ends.some((node) => node.type === 'end' && node.outcome === 'completed')) {
        context.report(['steps', s, 'flow', 'nodes'], `step "${step.id}" has no end node with outcome "completed", so the procedure could never move past it`);
      }
      const finishing = canReach(graph, new Set(ends.map((node) => node.id)));
      const seen = graph.has(step.flow.start) ? reachable(graph, [step.flow.start]) : new Set<string>();
      step.flow.nodes.forEach((node, n) => {
        if (seen.has(node.id) && !finishing.has(node.id)) {
          context.report(['steps', s, 'flow', 'nodes', n, 'id'], `from node "${node.id}" no path leads to an end node: the step would be stuck there forever`);
        }
      });
    });
  },
};

const decisions: SemanticRule<ProcedureDefinition> = {
  id: 'PF-DECISION',
  description: 'A task lists each decision outcome at most once, and a drafting task (submit) is not also a review (approve).',
  check(context) {
    for (const { node, path } of locatedNodes(context.definition)) {
      if (node.type !== 'task') continue;
      const seen = new Set<string>();
      node.decisions.forEach((decision, i) => {
        if (seen.has(decision.outcome)) context.report([...path, 'decisions', i, 'outcome'], `decision "${decision.outcome}" is listed twice for task "${node.id}"`);
        seen.add(decision.outcome);
      });
      if (seen.has('submit') && seen.has('approve')) {
        context.report([...path, 'decisions'], `task "${node.id}" offers both "submit" and "approve": a task either drafts (submit) or reviews (approve/return/reject)`);
      }
    }
  },
};

const fourEyes: SemanticRule<ProcedureDefinition> = {
  id: 'PF-FOUR-EYES',
  description: '`notDecidedBySameActorAs` names other human tasks or award nodes of the procedure.',
  check(context) {
    const nodes = locatedNodes(context.definition);
    const decidable = new Set(nodes.filter(({ node }) => node.type === 'task' || node.type === 'award').map(({ node }) => node.id));
    for (const { node, path } of nodes) {
      if (node.type !== 'task' && node.type !== 'award') continue;
      node.notDecidedBySameActorAs.forEach((other, i) => {
        const at = [...path, 'notDecidedBySameActorAs', i];
        if (other === node.id) context.report(at, `task "${node.id}" cannot exclude itself; name the task whose actor must not decide this one`);
        else if (!decidable.has(other)) context.report(at, `"${other}" is not a task or award node of this procedure`);
      });
    }
  },
};

const notices: SemanticRule<ProcedureDefinition> = {
  id: 'PF-REF-NOTICE',
  description: 'A publish node names a notice declared under `notices`.',
  check(context) {
    const declared = new Set(context.definition.notices.map((n) => n.id));
    for (const { node, path } of locatedNodes(context.definition)) {
      if (node.type === 'publish' && !declared.has(node.notice)) {
        context.report([...path, 'notice'], `notice "${node.notice}" is not declared under notices (declared: ${list(declared) || 'none'})`);
      }
    }
  },
};

const fields: SemanticRule<ProcedureDefinition> = {
  id: 'PF-FIELD',
  description: 'Field constraints fit the field type: bounds for int and money, lengths and choices for strings, and a default of the right type within them.',
  check(context) {
    const checkField = (field: FieldDefinitionT, path: DocumentPath) => {
      const numeric = field.type === 'int' || field.type === 'money';
      if (!numeric && (field.min !== undefined || field.max !== undefined)) context.report([...path, field.min !== undefined ? 'min' : 'max'], `min and max apply to int and money fields, not to ${field.type} field "${field.id}"`);
      if (field.min !== undefined && field.max !== undefined && field.min > field.max) context.report([...path, 'max'], `max (${field.max}) is below min (${field.min}) for field "${field.id}"`);
      if (field.type !== 'string' && (field.minLength !== undefined || field.maxLength !== undefined || field.oneOf !== undefined)) {
        context.report(path, `minLength, maxLength and oneOf apply to string fields, not to ${field.type} field "${field.id}"`);
      }
      if (field.default !== undefined) {
        const problem = defaultProblem(field);
        if (problem) context.report([...path, 'default'], `default of "${field.id}" ${problem}`);
      }
    };
    for (const { field, path } of locatedFields(context.definition)) checkField(field, path);
    context.definition.steps.forEach((step, s) => {
      if (step.kind === 'performanceManagement') {
        step.performance.ledger.lines.forEach((line, i) => {
          if (line.type !== 'int' && line.type !== 'money') context.report(['steps', s, 'performance', 'ledger', 'lines', i, 'type'], `ledger line "${line.id}" must be int or money so it can be totalled`);
        });
      }
    });
  },
};

/** Every field of the procedure with where it stands: inputs, task forms and ledger lines. */
function locatedFields(p: ProcedureDefinition): Array<{ field: FieldDefinitionT; path: DocumentPath; reference: string }> {
  const found: Array<{ field: FieldDefinitionT; path: DocumentPath; reference: string }> = [];
  p.inputs.forEach((field, i) => found.push({ field, path: ['inputs', i], reference: `inputs.${field.id}` }));
  for (const { node, path } of locatedNodes(p)) {
    if (node.type === 'task') node.form.forEach((field, i) => found.push({ field, path: [...path, 'form', i], reference: `forms.${node.id}.${field.id}` }));
  }
  p.steps.forEach((step, s) => {
    if (step.kind === 'performanceManagement') {
      step.performance.ledger.lines.forEach((line, i) => found.push({ field: line, path: ['steps', s, 'performance', 'ledger', 'lines', i], reference: `ledger.totals.${line.id}` }));
    }
  });
  return found;
}

const confidentiality: SemanticRule<ProcedureDefinition> = {
  id: 'PF-CONFIDENTIAL',
  description: 'A confidential field never reaches a public notice: no notice line refers to it.',
  check(context) {
    const p = context.definition;
    const secrets = locatedFields(p).filter(({ field }) => field.confidential);
    p.notices.forEach((notice, n) =>
      notice.lines.forEach((line, l) => {
        for (const { field, reference } of secrets) {
          const at = referenceOffset(line.value, reference);
          if (at !== undefined) {
            context.report(['notices', n, 'lines', l, 'value'], `notice "${notice.id}" would publish "${field.id}", which is confidential (readable by ${list(field.confidential?.readableBy ?? [])} only)`, at);
          }
        }
      }),
    );
  },
};

/** Where an expression refers to `reference` (a dotted variable path), as a whole name, if it does. */
function referenceOffset(expression: string, reference: string): number | undefined {
  const escaped = reference.replace(/[.]/g, '\\s*\\.\\s*');
  const match = new RegExp(`(?<![\\w.])${escaped}(?![\\w])`).exec(expression);
  return match?.index;
}

function defaultProblem(field: FieldDefinitionT): string | undefined {
  const value = field.default;
  switch (field.type) {
    case 'int':
    case 'money':
      if (typeof value !== 'number') return `must be a whole number${field.type === 'money' ? ' of fen' : ''}`;
      if (field.min !== undefined && value < field.min) return `(${value}) is below min (${field.min})`;
      if (field.max !== undefined && value > field.max) return `(${value}) is above max (${field.max})`;
      return undefined;
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? undefined : 'must be a date written YYYY-MM-DD';
    case 'string':
      if (typeof value !== 'string') return 'must be text';
      if (field.oneOf && !field.oneOf.includes(value)) return `must be one of ${list(field.oneOf)}`;
      return undefined;
  }
}

const weights: SemanticRule<ProcedureDefinition> = {
  id: 'PF-WEIGHTS',
  description: 'Evaluation criteria of vendor selection, and indicators of performance evaluation, have weights adding up to 100.',
  check(context) {
    context.definition.steps.forEach((step, s) => {
      const check = (items: ReadonlyArray<{ weight: number }>, path: DocumentPath, what: string) => {
        const total = items.reduce((sum, item) => sum + item.weight, 0);
        if (total !== 100) context.report(path, `the weights of the ${what} add up to ${total}; they must add up to 100`);
      };
      if (step.kind === 'vendorSelection') check(step.selection.evaluation.criteria, ['steps', s, 'selection', 'evaluation', 'criteria'], 'evaluation criteria');
      if (step.kind === 'performanceManagement') check(step.performance.evaluation.indicators, ['steps', s, 'performance', 'evaluation', 'indicators'], 'evaluation indicators');
    });
  },
};

const selectionMethods: SemanticRule<ProcedureDefinition> = {
  id: 'PF-METHOD',
  description: 'The default procurement method is an allowed one; switching method on too few bidders names where to switch and who approves it; award limits are consistent.',
  check(context) {
    for (const { step, stepIndex: s } of stepsOfKind(context.definition, 'vendorSelection')) {
      const { methods, bidding, awards } = step.selection;
      const base = ['steps', s, 'selection'];
      if (!methods.allowed.includes(methods.default)) context.report([...base, 'methods', 'default'], `default method "${methods.default}" is not among the allowed methods (${list(methods.allowed)})`);
      if (methods.chosenIn) {
        const { task: taskId, field: fieldId } = methods.chosenIn;
        const task = locatedNodes(context.definition, s, 'task').find((t) => t.node.id === taskId)?.node;
        const field = task?.form.find((f) => f.id === fieldId);
        if (!task) context.report([...base, 'methods', 'chosenIn', 'task'], `"${taskId}" is not a task of step "${step.id}"`);
        else if (!field) context.report([...base, 'methods', 'chosenIn', 'field'], `task "${taskId}" has no form field "${fieldId}"`);
        else if (field.type !== 'string' || !field.oneOf || field.oneOf.some((m) => !(methods.allowed as readonly string[]).includes(m))) {
          context.report([...base, 'methods', 'chosenIn', 'field'], `field "${fieldId}" must be a string whose oneOf lists only allowed methods (${list(methods.allowed)})`);
        }
      }
      const tooFew = bidding.whenTooFew;
      if (tooFew.action === 'switchMethod') {
        if (tooFew.switchTo.length === 0) context.report([...base, 'bidding', 'whenTooFew'], 'switching method needs "switchTo": the methods that may be used instead');
        if (!tooFew.approvedBy) context.report([...base, 'bidding', 'whenTooFew'], 'switching method needs "approvedBy": the authority that approves the change (seed 003 §二(四))');
      } else if (tooFew.switchTo.length > 0) {
        context.report([...base, 'bidding', 'whenTooFew', 'switchTo'], 'switchTo applies only when action is "switchMethod"');
      }
      if (awards.minWinners > awards.maxWinners) context.report([...base, 'awards', 'minWinners'], `minWinners (${awards.minWinners}) exceeds maxWinners (${awards.maxWinners})`);
    }
  },
};

/** Where the law sets each method's floor of suppliers, for messages that tell the author why. */
const FLOOR_SOURCES: Readonly<Record<ProcurementMethodT, string>> = {
  openTender: 'Government Procurement Law art. 36: fewer than three suppliers voids a tender',
  invitedTender: 'Government Procurement Law art. 34: at least three suppliers are invited',
  competitiveNegotiation: 'Government Procurement Law art. 38: at least three suppliers negotiate',
  competitiveConsultation: '财库〔2015〕124号 §一: a consultation buying services may go on with two suppliers',
  inquiry: 'Government Procurement Law art. 40: at least three suppliers are asked',
  singleSource: 'Government Procurement Law art. 39: single source buys from one supplier',
};

const methodMinimums: SemanticRule<ProcedureDefinition> = {
  id: 'PF-METHOD-MINIMUM',
  description:
    "`bidding.minimumBidders` is at least the law's floor for every allowed method (three for open and invited tender, competitive negotiation and inquiry; two for competitive consultation of services), exactly one for single source, and names only allowed methods.",
  check(context) {
    for (const { step, stepIndex: s } of stepsOfKind(context.definition, 'vendorSelection')) {
      const { methods, bidding } = step.selection;
      const minimum = bidding.minimumBidders;
      const base = ['steps', s, 'selection', 'bidding', 'minimumBidders'];
      if (minimum === undefined) continue;
      if (typeof minimum === 'number') {
        const below = methods.allowed.filter((method) => method !== 'singleSource' && minimum < MINIMUM_BIDDERS_FLOOR[method]);
        if (below.length > 0) {
          context.report(base, `minimumBidders ${minimum} is below the law's floor for ${below.map((m) => `${m} (${MINIMUM_BIDDERS_FLOOR[m]}; ${FLOOR_SOURCES[m]})`).join(', ')}; give a number per method instead`);
        }
        continue;
      }
      for (const method of PROCUREMENT_METHODS) {
        const value = minimum[method];
        if (value === undefined) continue;
        const path = [...base, method];
        if (!methods.allowed.includes(method)) context.report(path, `"${method}" is not an allowed method (${list(methods.allowed)}), so its minimum would have no effect`);
        else if (method === 'singleSource' && value !== 1) context.report(path, `a single-source round has exactly one supplier (${FLOOR_SOURCES.singleSource}); write 1 or leave it out`);
        else if (value < MINIMUM_BIDDERS_FLOOR[method]) context.report(path, `a minimum of ${value} for ${method} is below the law's floor of ${MINIMUM_BIDDERS_FLOOR[method]} (${FLOOR_SOURCES[method]})`);
      }
    }
  },
};

/** The step's graph without `gates`: what can be reached from `from` never passing through one of them. */
function reachableAvoiding(step: ProcedureStep, from: readonly string[], gates: ReadonlySet<string>): Set<string> {
  const graph = new Map([...graphOf(step)].filter(([id]) => !gates.has(id)));
  return reachable(graph, from);
}

function successEdges(step: ProcedureStep, id: string | undefined): string[] {
  const node = id === undefined ? undefined : graphOf(step).get(id);
  return node ? [...edgesOf(node).success] : [];
}

function failureEdges(step: ProcedureStep, ids: Iterable<string>): string[] {
  const graph = graphOf(step);
  return [...ids].flatMap((id) => {
    const node = graph.get(id);
    return node ? [...edgesOf(node).failure] : [];
  });
}

const invitationLists: SemanticRule<ProcedureDefinition> = {
  id: 'PF-INVITATION',
  description:
    'A definition allowing invitedTender says where its invitation list is decided (`selection.invitations.decidedIn`, a task with a submit or approve decision), and bidding opens only after that task, once the method is chosen; `invitations` without invitedTender allowed has no effect.',
  check(context) {
    const p = context.definition;
    for (const { step, stepIndex: s } of stepsOfKind(p, 'vendorSelection')) {
      const { methods, invitations } = step.selection;
      const base = ['steps', s, 'selection'];
      const invitedAt = methods.allowed.indexOf('invitedTender');
      if (!invitations) {
        if (invitedAt >= 0) {
          context.report([...base, 'methods', 'allowed', invitedAt], 'invitedTender is allowed, but nothing says who is invited: add selection.invitations.decidedIn, the task whose decision names the invited vendors (Government Procurement Law art. 34)');
        }
        continue;
      }
      if (invitedAt < 0) {
        context.report([...base, 'invitations'], `invitations apply only to an invited tender, and invitedTender is not allowed (${list(methods.allowed)})`);
        continue;
      }
      const at = [...base, 'invitations', 'decidedIn'];
      const located = locatedNodes(p, s, 'task').find((t) => t.node.id === invitations.decidedIn);
      if (!located) {
        context.report(at, `"${invitations.decidedIn}" is not a task of step "${step.id}"`);
        continue;
      }
      const { node: task, graphId: gate } = located;
      if (!task.decisions.some((d) => d.outcome === 'submit' || d.outcome === 'approve')) {
        context.report(at, `task "${task.id}" has no submit or approve decision to carry the invitation list`);
        continue;
      }
      const chooser = graphIdOf(p, s, methods.chosenIn?.task);
      const seeds = [step.flow.start, ...(chooser !== gate ? successEdges(step, chooser) : []), ...failureEdges(step, [gate])];
      const bypass = reachableAvoiding(step, seeds, new Set([gate]));
      for (const { node: bidding } of locatedNodes(p, s, 'bidding')) {
        if (bypass.has(bidding.id)) context.report(at, `bidding node "${bidding.id}" can be reached without passing "${task.id}" after the method is chosen, so an invited tender could open with no invitation list`);
      }
    }
  },
};

const drawnApprovals: SemanticRule<ProcedureDefinition> = {
  id: 'PF-APPROVAL',
  description:
    'A role named in `methods.approvedBy` approves the method in the flow (a task of that role that approves it, or that chooses it) after it is chosen and before bidding opens; a role named in `whenTooFew.approvedBy` does the same for every switch after too few bidders, which only `switchMethod` makes.',
  check(context) {
    const p = context.definition;
    for (const { step, stepIndex: s } of stepsOfKind(p, 'vendorSelection')) {
      const { methods, bidding } = step.selection;
      const base = ['steps', s, 'selection'];
      const chosenIn = methods.chosenIn?.task;
      const tasks = locatedNodes(p, s, 'task');
      /** Nodes where `role` approves the method: its approving tasks, and the choosing task if it is that role's. */
      const gatesOf = (role: string) => {
        const gates = new Set<string>();
        for (const { node: task, graphId } of tasks) {
          const approves = task.decisions.some((d) => d.outcome === 'approve') || (task.id === chosenIn && task.decisions.some((d) => d.outcome === 'submit'));
          if (task.role === role && approves) gates.add(graphId);
        }
        return gates;
      };
      const chooser = graphIdOf(p, s, chosenIn);
      const biddingNodes = locatedNodes(p, s, 'bidding').map(({ node }) => node);
      const check = (role: string, at: DocumentPath, what: string, origins: string[]) => {
        const gates = gatesOf(role);
        if (gates.size === 0) {
          context.report(at, `role "${role}" is named to approve ${what}, but no task of role "${role}" approves it in the flow of step "${step.id}": draw one before the bidding node`);
          return;
        }
        const afterChoice = chooser !== undefined && !gates.has(chooser) && reachable(graphOf(step), origins).has(chooser) ? successEdges(step, chooser) : [];
        const bypass = reachableAvoiding(step, [...origins, ...afterChoice, ...failureEdges(step, gates)], gates);
        for (const node of biddingNodes) {
          if (bypass.has(node.id)) context.report(at, `bidding node "${node.id}" can be reached without role "${role}" approving ${what} after it is chosen`);
        }
      };
      if (methods.approvedBy) check(methods.approvedBy, [...base, 'methods', 'approvedBy'], 'the procurement method', [step.flow.start]);
      const tooFew = bidding.whenTooFew;
      if (tooFew.approvedBy && tooFew.action !== 'switchMethod') {
        context.report([...base, 'bidding', 'whenTooFew', 'approvedBy'], 'approvedBy approves a switch of method, and action "retender" never switches: remove it or switch method');
      } else if (tooFew.approvedBy) {
        const onTooFew = biddingNodes.map((node) => node.onTooFew);
        check(tooFew.approvedBy, [...base, 'bidding', 'whenTooFew', 'approvedBy'], 'the switch of method', onTooFew);
      }
    }
  },
};

const tranches: SemanticRule<ProcedureDefinition> = {
  id: 'PF-TRANCHE',
  description:
    'Each tranche names a budget component it pays and a contract-step node that triggers it, is paid by exactly one payment node placed after that trigger, and every budget component is paid by some tranche.',
  check(context) {
    const p = context.definition;
    const release = p.steps.findIndex((step) => step.kind === 'paymentRelease');
    const releaseStep = p.steps[release];
    if (releaseStep?.kind !== 'paymentRelease') return;
    const budgeting = p.steps.find((step) => step.kind === 'budgeting');
    const components = new Set(budgeting?.kind === 'budgeting' ? budgeting.budget.components.map((c) => c.id) : []);
    const nodes = locatedNodes(p);
    const byId = new Map(nodes.map((located) => [located.node.id, located]));
    const payments = nodes.filter(({ node }) => node.type === 'payment');
    const trancheIds = new Set(releaseStep.payment.tranches.map((t) => t.id));

    for (const { node, path } of payments) {
      if (node.type === 'payment' && !trancheIds.has(node.tranche)) context.report([...path, 'tranche'], `tranche "${node.tranche}" is not declared under payment.tranches (declared: ${list(trancheIds)})`);
    }

    releaseStep.payment.tranches.forEach((tranche, t) => {
      const base = ['steps', release, 'payment', 'tranches', t];
      if (tranche.fund !== undefined && !components.has(tranche.fund)) {
        context.report([...base, 'fund'], `"${tranche.fund}" is not a budget component (components: ${list(components) || 'none'})`);
      }
      const trigger = byId.get(tranche.after);
      if (!trigger) {
        context.report([...base, 'after'], `"${tranche.after}" is not a node of this procedure`);
        return;
      }
      const triggerStep = p.steps[trigger.stepIndex];
      if (!triggerStep || !CONTRACT_SCOPED_KINDS.includes(triggerStep.kind)) {
        context.report([...base, 'after'], `a tranche is triggered by a node of a contract step (contract filing, performance management or payment release); "${tranche.after}" is in "${triggerStep?.id}"`);
        return;
      }
      const payers = payments.filter(({ node }) => node.type === 'payment' && node.tranche === tranche.id);
      if (payers.length !== 1) {
        context.report([...base, 'id'], payers.length === 0 ? `tranche "${tranche.id}" is never paid: add a payment node for it` : `tranche "${tranche.id}" is paid by ${payers.length} payment nodes; exactly one may pay it`);
      }
      for (const payer of payers) {
        if (!paidOnlyAfter(p, trigger, payer)) {
          context.report([...payer.path, 'tranche'], `payment of "${tranche.id}" can happen before "${tranche.after}" has completed successfully; move it after that node on every path`);
        }
      }
    });

    for (const component of components) {
      if (!releaseStep.payment.tranches.some((t) => t.fund === component)) {
        context.report(['steps', release, 'payment', 'tranches'], `budget component "${component}" is not paid by any tranche: give a tranche fund: ${component}`);
      }
    }
  },
};

const trancheTotal: SemanticRule<ProcedureDefinition> = {
  id: 'PF-TRANCHE-TOTAL',
  description:
    'The tranches whose amounts are constants or fixed shares of the contract amount may not be able to add up to more than the contract: their shares sum to at most 100 %, and to less when their constants (counting the fen a subtracted share rounds up) are positive; a positive constant beside shares under 100 % overpays only a small contract, and is checked when paid.',
  check(context) {
    const p = context.definition;
    const release = p.steps.findIndex((step) => step.kind === 'paymentRelease');
    const releaseStep = p.steps[release];
    if (releaseStep?.kind !== 'paymentRelease') return;
    // Every tranche is paid at most once (PF-TRANCHE), so the fixed ones can all be paid; the others
    // (reading the evaluation, the ledger, what was paid) are checked when they are paid.
    let num = 0n;
    let den = 1n;
    let constant = 0n;
    const counted: string[] = [];
    for (const [t, tranche] of releaseStep.payment.tranches.entries()) {
      const fixed = fixedShareOf(tranche.amount, 'contract.amount');
      if (!fixed) continue;
      num = num * fixed.share.den + fixed.share.num * den;
      den *= fixed.share.den;
      constant += fixed.constant;
      counted.push(`"${tranche.id}" (${describeShare(fixed)})`);
      if (num > den || (num === den && constant > 0n)) {
        context.report(
          ['steps', release, 'payment', 'tranches', t, 'amount'],
          `tranches ${counted.join(', ')} add up to ${describeShare({ share: { num, den }, constant })}: they can pay more than the contract amount; lower their shares so that they sum to at most 100 %`,
        );
        return;
      }
    }
  },
};

/**
 * The tranches of one fund (`fund: <component>`) together never pay more than the fund's share of the
 * contract (`contract.funds.<component>`): the engine caps one that would (workflows/engine/nodes/payment.ts),
 * and where the amounts are constant shares of that share the compiler sees it before anything is paid.
 */
const trancheFund: SemanticRule<ProcedureDefinition> = {
  id: 'PF-TRANCHE-FUND',
  description:
    'The tranches of one fund whose amounts are constants or fixed shares of that fund’s share of the contract (`contract.funds.<fund>`) may not be able to add up to more than it: their shares sum to at most 100 %, and to less when their constants are positive (the engine caps the others when they are paid).',
  check(context) {
    const p = context.definition;
    const release = p.steps.findIndex((step) => step.kind === 'paymentRelease');
    const releaseStep = p.steps[release];
    if (releaseStep?.kind !== 'paymentRelease') return;
    const funds = new Set(releaseStep.payment.tranches.flatMap((tranche) => (tranche.fund === undefined ? [] : [tranche.fund])));
    for (const fund of funds) {
      let num = 0n;
      let den = 1n;
      let constant = 0n;
      const counted: string[] = [];
      for (const [t, tranche] of releaseStep.payment.tranches.entries()) {
        if (tranche.fund !== fund) continue;
        const fixed = fixedShareOf(tranche.amount, `contract.funds.${fund}`);
        if (!fixed) continue;
        num = num * fixed.share.den + fixed.share.num * den;
        den *= fixed.share.den;
        constant += fixed.constant;
        const of = `fund "${fund}"`;
        counted.push(`"${tranche.id}" (${describeShare(fixed, of)})`);
        if (num > den || (num === den && constant > 0n)) {
          context.report(
            ['steps', release, 'payment', 'tranches', t, 'amount'],
            `tranches ${counted.join(', ')} add up to ${describeShare({ share: { num, den }, constant }, of)}: they can pay more than the fund's share of the contract (contract.funds.${fund}); lower their shares so that they sum to at most 100 %`,
          );
          break;
        }
      }
    }
  },
};

/** A fixed share as a reader checks it: `30 % of the contract`, `100 % of the contract + 500 fen`, `500 fen`. */
function describeShare({ share, constant }: FixedShare, of = 'the contract'): string {
  const percent = Number((share.num * 10000n) / share.den) / 100;
  const parts = [...(share.num !== 0n ? [`${percent} % of ${of}`] : []), ...(constant !== 0n || share.num === 0n ? [`${constant} fen`] : [])];
  return parts.join(' + ');
}

/**
 * The final part of the money waits for the term: a contract that pays tranches pays one after the term
 * has ended on every way to a successful end — in the payment step (payment.ts refuses a payment there
 * before the term ends), or in the performance step after the ledgerPeriods node that runs to the end of
 * the term (it holds the flow until then). The engine refuses, before the term, a payment that would bring
 * the paid total up to the contract amount; without a tranche after the term such a contract could not
 * complete paid in full.
 */
const finalTranche: SemanticRule<ProcedureDefinition> = {
  id: 'PF-FINAL-TRANCHE',
  description:
    'A procedure that pays tranches pays at least one of them after the contract’s term has ended, on every way to a successful end: in the payment step, or in the performance step after its ledgerPeriods node without `through`; every completed way through the performance step passes that node.',
  check(context) {
    const p = context.definition;
    const release = p.steps.findIndex((step) => step.kind === 'paymentRelease');
    const releaseStep = p.steps[release];
    if (releaseStep?.kind !== 'paymentRelease' || releaseStep.payment.tranches.length === 0) return;
    const performance = stepsOfKind(p, 'performanceManagement')[0];
    const toTerm = performance?.step.flow.nodes.find((node) => node.type === 'ledgerPeriods' && node.through === undefined);
    // A way through the performance step around its ledger periods leaves the contract with no term at all,
    // so no tranche is paid after it (and payment.ts refuses the payment step's tranches then).
    const termless = performance && toTerm ? completedWithoutPassing(performance.step, toTerm.id) : undefined;
    if (performance && toTerm && termless !== undefined) {
      context.report(
        ['steps', performance.stepIndex, 'flow', 'nodes', performance.step.flow.nodes.findIndex((node) => node.id === termless), 'id'],
        `step "${performance.step.id}" can end at "${termless}" without running its ledger periods "${toTerm.id}" that run to the end of the term: the contract would have no term for its final tranche to wait for; lead every way to this end through "${toTerm.id}"`,
      );
    }
    const unpaidEnd = completedWithoutPaying(releaseStep);
    if (unpaidEnd === undefined) return;
    if (performance && toTerm && completedWithoutPaying(performance.step, toTerm.id) === undefined) return;
    const endIndex = releaseStep.flow.nodes.findIndex((node) => node.id === unpaidEnd);
    context.report(
      ['steps', release, 'flow', 'nodes', endIndex, 'id'],
      `the contract can end at "${unpaidEnd}" without a tranche paid after its term has ended: pay one on every way to this end, or in step "${performance?.step.id ?? 'performanceManagement'}" after its ledger periods${toTerm ? ` "${toTerm.id}"` : ''} that run to the end of the term`,
    );
  },
};

/**
 * The first completed end of `step` (document order) that some way from its start reaches without passing
 * a payment node — after node `after` has run, when given (a payment before it does not count).
 */
function completedWithoutPaying(step: ProcedureStep, after?: string): string | undefined {
  const graph = graphOf(step);
  const seen = new Set<string>();
  const reached = new Set<string>();
  const queue: Array<[string, boolean]> = [[step.flow.start, after === undefined]];
  while (queue.length > 0) {
    const [id, passed] = queue.pop() as [string, boolean];
    const node = graph.get(id);
    const key = `${id} ${passed}`;
    if (!node || seen.has(key)) continue;
    seen.add(key);
    const nowPassed = passed || id === after;
    if (node.type === 'payment' && nowPassed) continue;
    if (node.type === 'end' && node.outcome === 'completed') reached.add(id);
    for (const next of successorsOf(node)) queue.push([next, nowPassed]);
  }
  return step.flow.nodes.find((node) => reached.has(node.id))?.id;
}

/** The first completed end of `step` (document order) that some way from its start reaches without passing node `through`. */
function completedWithoutPassing(step: ProcedureStep, through: string): string | undefined {
  const graph = graphOf(step);
  const seen = new Set<string>();
  const queue = [step.flow.start];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    const node = graph.get(id);
    if (!node || id === through || seen.has(id)) continue;
    seen.add(id);
    for (const next of successorsOf(node)) queue.push(next);
  }
  return step.flow.nodes.find((node) => seen.has(node.id) && node.type === 'end' && node.outcome === 'completed')?.id;
}

/** Whether `payer` can run only after `trigger` completed successfully (an earlier step, or later on every path in the same step). */
function paidOnlyAfter(p: ProcedureDefinition, trigger: LocatedNode, payer: LocatedNode): boolean {
  const gate = trigger.graphId;
  if (trigger.stepIndex > payer.stepIndex) return false;
  const step = p.steps[trigger.stepIndex];
  if (!step) return false;
  const graph = graphOf(step);
  if (trigger.stepIndex === payer.stepIndex) return onlyAfterSuccessOf(graph, step.flow.start, gate, payer.node.id);
  // An earlier step must pass through the trigger on every way to completing.
  const completingEnds = step.flow.nodes.filter((node) => node.type === 'end' && node.outcome === 'completed');
  return completingEnds.every((end) => onlyAfterSuccessOf(graph, step.flow.start, gate, end.id));
}

const expressions: SemanticRule<ProcedureDefinition> = {
  id: 'PF-EXPR',
  description: 'Every expression is valid CEL, uses only the variables of its place, and gives the type its place needs.',
  check(context) {
    const p = context.definition;
    const scopes = buildProcedureScopes(p);
    const check = (scope: ExpressionScope, expression: string, path: DocumentPath, expected?: ExpectedType) => {
      const result = scope.check(expression, expected);
      if (!result.ok) context.report(path, `${result.message} in: ${expression}`, result.offset);
    };
    p.derived.forEach((value, i) => check(scopes.derived(i), value.expr, ['derived', i, 'expr'], expectedOf(value.type)));
    p.steps.forEach((step, s) => {
      const stepScope = scopeForStep(scopes, step);
      step.flow.nodes.forEach((node, n) => {
        if (node.type === 'branch') node.cases.forEach((c, i) => check(stepScope, c.when, ['steps', s, 'flow', 'nodes', n, 'cases', i, 'when'], 'bool'));
      });
      if (step.kind === 'budgeting') {
        check(scopes.budget, step.budget.total, ['steps', s, 'budget', 'total'], 'int');
        step.budget.components.forEach((c, i) => check(scopes.budget, c.amount, ['steps', s, 'budget', 'components', i, 'amount'], 'int'));
      }
      if (step.kind === 'vendorSelection') {
        step.selection.evaluation.criteria.forEach((c, i) => {
          if (c.computed !== undefined) check(scopes.bid, c.computed, ['steps', s, 'selection', 'evaluation', 'criteria', i, 'computed'], 'int');
        });
        const eligibility = step.selection.awards.eligibility;
        if (eligibility) check(scopes.bid, eligibility.when, ['steps', s, 'selection', 'awards', 'eligibility', 'when'], 'bool');
      }
      if (step.kind === 'performanceManagement') {
        const perf = step.performance;
        check(scopes.contractTerms, perf.ledger.periods, ['steps', s, 'performance', 'ledger', 'periods'], 'int');
        perf.kpis.forEach((kpi, i) => check(scopes.kpi, kpi.expr, ['steps', s, 'performance', 'kpis', i, 'expr'], expectedOf(kpi.type)));
        perf.reviews?.forEach((review, r) => {
          review.kpis.forEach((kpi, i) => check(scopes.kpi, kpi.expr, ['steps', s, 'performance', 'reviews', r, 'kpis', i, 'expr'], expectedOf(kpi.type)));
          if (review.passWhen !== undefined) check(scopes.reviewPass(review.id), review.passWhen, ['steps', s, 'performance', 'reviews', r, 'passWhen'], 'bool');
        });
        step.flow.nodes.forEach((node, n) => {
          if (node.type === 'ledgerPeriods' && node.through !== undefined) check(scopes.contractTerms, node.through, ['steps', s, 'flow', 'nodes', n, 'through'], 'int');
        });
        perf.evaluation.indicators.forEach((indicator, i) => {
          if (indicator.score !== undefined) check(scopes.indicator, indicator.score, ['steps', s, 'performance', 'evaluation', 'indicators', i, 'score'], 'int');
        });
        if (perf.exit) check(scopes.contract, perf.exit.when, ['steps', s, 'performance', 'exit', 'when'], 'bool');
      }
      if (step.kind === 'paymentRelease') {
        step.payment.tranches.forEach((t, i) => check(scopes.contract, t.amount, ['steps', s, 'payment', 'tranches', i, 'amount'], 'int'));
      }
    });
    // A notice is rendered in the scope of every step that publishes it.
    p.notices.forEach((notice, i) => {
      // The engine publishes the first acceptanceResult notice itself, in the performance step, when the acceptance is published (PF-ACCEPTANCE):
      // that step is where it renders, even in a definition that does not publish it (yet).
      const engineFirst = notice.kind === 'acceptanceResult' && p.notices.find((candidate) => candidate.kind === 'acceptanceResult') === notice;
      const publishers = p.steps.filter(
        (step) =>
          step.flow.nodes.some((node) => node.type === 'publish' && node.notice === notice.id) ||
          (engineFirst && step.kind === 'performanceManagement'),
      );
      const noticeScopes = new Set((publishers.length > 0 ? publishers : p.steps.slice(0, 1)).map((step) => scopeForStep(scopes, step)));
      for (const scope of noticeScopes) notice.lines.forEach((line, l) => check(scope, line.value, ['notices', i, 'lines', l, 'value']));
    });
  },
};

function scopeForStep(scopes: ProcedureScopes, step: ProcedureStep): ExpressionScope {
  if (CONTRACT_SCOPED_KINDS.includes(step.kind)) return scopes.contract;
  return step.kind === 'vendorSelection' ? scopes.selection : scopes.procedure;
}

function expectedOf(type: ValueTypeT): ExpectedType {
  return type === 'bool' ? 'bool' : type === 'int' || type === 'money' ? 'int' : 'string';
}

const eventAnchors: SemanticRule<ProcedureDefinition> = {
  id: 'PF-EVENT-ANCHOR',
  description:
    'A deadline after an event (`due`, `notBefore`) counts from a node, a decision or a notice of the same scope that can happen before the task opens, and a task has one deadline (`sla` or `due`).',
  check(context) {
    const p = context.definition;
    const located = locatedNodes(p);
    const scopeOf = (stepIndex: number) => (CONTRACT_SCOPED_KINDS.includes(p.steps[stepIndex]!.kind) ? 'contract' : 'cycle');
    /** Whether something in `from` (step, graph node) can happen before the flow reaches `to`. */
    const canPrecede = (from: { stepIndex: number; graphId: string }, to: { stepIndex: number; graphId: string }): boolean => {
      // A contract starts after its cycle's steps: every event of the cycle can precede it.
      if (scopeOf(to.stepIndex) === 'contract' && scopeOf(from.stepIndex) === 'cycle') return true;
      if (from.stepIndex !== to.stepIndex) return from.stepIndex < to.stepIndex;
      const step = p.steps[to.stepIndex]!;
      const nodes = graphOf(step);
      const start = nodes.get(from.graphId);
      return start !== undefined && reachable(nodes, successorsOf(start)).has(to.graphId);
    };
    for (const { node, stepIndex, path, graphId } of locatedNodes(p, undefined, 'task')) {
      if (node.sla && node.due) context.report([...path, 'due'], `task "${node.id}" has both an sla and a due deadline; give it one (due counts from an event, sla from the opening)`);
      const here = { stepIndex, graphId };
      const anchors = [
        ...(node.due ? [{ anchor: node.due.after, at: [...path, 'due', 'after'] }] : []),
        ...(node.notBefore ? [{ anchor: node.notBefore.after, at: [...path, 'notBefore', 'after'] }] : []),
      ];
      for (const { anchor, at } of anchors) {
        if ('notice' in anchor) {
          const publishers = locatedNodes(p, undefined, 'publish').filter(({ node: other }) => other.notice === anchor.notice);
          if (publishers.length === 0) {
            context.report([...at, 'notice'], `no publish node of this procedure publishes notice "${anchor.notice}", so the deadline of task "${node.id}" could never start`);
          } else if (!publishers.some((publisher) => canPrecede({ stepIndex: publisher.stepIndex, graphId: publisher.node.id }, here))) {
            context.report([...at, 'notice'], `notice "${anchor.notice}" is published only where it cannot happen before task "${node.id}" opens (a later step, another branch, or another contract's scope)`);
          }
          continue;
        }
        const target = located.find(({ node: other }) => other.id === anchor.node);
        if (!target) {
          context.report([...at, 'node'], `"${anchor.node}" is not a node of this procedure; a deadline counts from a node, a decision or a notice`);
          continue;
        }
        if (anchor.outcome !== undefined && (target.node.type !== 'task' || !target.node.decisions.some((d) => d.outcome === anchor.outcome))) {
          context.report([...at, 'outcome'], `"${anchor.node}" is not a task that can be decided "${anchor.outcome}"`);
          continue;
        }
        if (!canPrecede(target, here)) {
          context.report([...at, 'node'], `"${anchor.node}" cannot happen before task "${node.id}" opens (it comes later, on another branch, or in a contract while the task is in the cycle)`);
        }
      }
    }
  },
};

const challengeWindows: SemanticRule<ProcedureDefinition> = {
  id: 'PF-CHALLENGE',
  description:
    'The challenge period (`selection.challenges.filing.after`) counts from a notice a publish node of the procedure publishes, and the procedure has a contract step whose signing a challenge can suspend.',
  check(context) {
    const p = context.definition;
    const published = new Set(locatedNodes(p, undefined, 'publish').map(({ node }) => node.notice));
    for (const { step, stepIndex: s } of stepsOfKind(p, 'vendorSelection')) {
      if (!step.selection.challenges) continue;
      const notice = step.selection.challenges.filing.after.notice;
      const at: DocumentPath = ['steps', s, 'selection', 'challenges', 'filing', 'after', 'notice'];
      if (!published.has(notice)) {
        context.report(at, `no publish node of this procedure publishes notice "${notice}", so the challenge period could never open`);
      }
      if (!p.steps.some((other) => other.kind === 'contractFiling')) {
        context.report(['steps', s, 'selection', 'challenges'], 'challenges suspend the signing of contracts, but this procedure has no contractFiling step');
      }
    }
  },
};

const fieldChecks: SemanticRule<ProcedureDefinition> = {
  id: 'PF-CHECK',
  description:
    'Every check across a form\'s fields (task forms, inputs, ledger lines) is valid CEL giving true/false, reads only the form\'s own fields, inputs and derived, and reads at least one of the form\'s fields.',
  check(context) {
    const p = context.definition;
    const checkForm = (fields: readonly FieldDefinitionT[], checks: readonly FieldCheckT[] | undefined, path: DocumentPath, fieldsPath: DocumentPath, isInputs: boolean) => {
      if (!checks || checks.length === 0) return;
      fields.forEach((field, i) => {
        if ((CHECK_CONTEXT_VARIABLES as readonly string[]).includes(field.id)) {
          context.report([...fieldsPath, i, 'id'], `a field of a form with checks may not be named "${field.id}": in a check that name means the cycle's ${field.id}`);
        }
      });
      const scope = checkScope(p, fields);
      checks.forEach((check, c) => {
        const at: DocumentPath = [...path, c, 'expr'];
        const result = scope.check(check.expr, 'bool');
        if (!result.ok) context.report(at, `${result.message} in: ${check.expr}`, result.offset);
        else if (fieldsReadBy(check, fields, isInputs).length === 0) {
          context.report(at, `the check reads none of its form's fields (${list(fields.map((f) => f.id)) || 'none'}), so no submission could change its verdict`);
        }
      });
    };
    checkForm(p.inputs, p.inputChecks, ['inputChecks'], ['inputs'], true);
    for (const { node, path } of locatedNodes(p, undefined, 'task')) checkForm(node.form, node.checks, [...path, 'checks'], [...path, 'form'], false);
    for (const { step, stepIndex: s } of stepsOfKind(p, 'performanceManagement')) {
      const ledger = ['steps', s, 'performance', 'ledger'];
      checkForm(step.performance.ledger.lines, step.performance.ledger.checks, [...ledger, 'checks'], [...ledger, 'lines'], false);
    }
  },
};

const contractRules: SemanticRule<ProcedureDefinition> = {
  id: 'PF-CONTRACT',
  description:
    'The contract step says where it is filed (`filedIn`, a task of the step, exactly when `filedWith` names the body), where its draft is made (`contract.draftedIn`, a task whose form has a yes/no field per required term, named by the term), `subcontractDeclaredIn` is a yes/no field of that form, forbidden subcontracting names the vendor’s attestation at signing (`attestedIn`, a yes/no field of a task of the vendor role; only when forbidden), and each service level measured by a KPI names a KPI of the performance step and a target of its type.',
  check(context) {
    const procedure = context.definition;
    const kpis = procedure.steps.flatMap((step) => (step.kind === 'performanceManagement' ? step.performance.kpis : []));
    for (const { step, stepIndex: s } of stepsOfKind(procedure, 'contractFiling')) {
      const { contract } = step;
      const base = ['steps', s, 'contract'];
      const tasks = locatedNodes(procedure, s, 'task').map(({ node }) => node);
      const boolField = (task: { form: FieldDefinitionT[] }, id: string) => task.form.find((field) => field.id === id && field.type === 'bool');
      const draft = contract.draftedIn ? tasks.find((task) => task.id === contract.draftedIn) : undefined;
      if (contract.draftedIn) {
        if (!draft) context.report([...base, 'draftedIn'], `"${contract.draftedIn}" is not a task of step "${step.id}"`);
        else if (!draft.decisions.some((d) => d.outcome === 'submit' || d.outcome === 'approve')) {
          context.report([...base, 'draftedIn'], `task "${draft.id}" has no submit or approve decision to hand in the draft`);
        } else {
          const missing = contract.requiredTerms.filter((term) => !boolField(draft, term));
          if (missing.length > 0) context.report([...base, 'draftedIn'], `the form of "${draft.id}" needs a yes/no (bool) field for each required term; missing: ${list(missing)}`);
        }
      }
      if (contract.subcontractDeclaredIn) {
        if (!contract.draftedIn) context.report([...base, 'subcontractDeclaredIn'], 'subcontractDeclaredIn is a field of the draft: say which task drafts the contract with draftedIn');
        else if (draft && !boolField(draft, contract.subcontractDeclaredIn)) {
          context.report([...base, 'subcontractDeclaredIn'], `"${contract.subcontractDeclaredIn}" is not a yes/no (bool) field of the form of "${draft.id}"`);
        }
      }
      if (contract.filedWith && !contract.filedIn) {
        context.report([...base, 'filedWith'], `the contract is filed with "${contract.filedWith}", but nothing says where: add contract.filedIn, the task of this step that files it`);
      }
      if (contract.filedIn) {
        const filing = tasks.find((task) => task.id === contract.filedIn);
        if (!contract.filedWith) context.report([...base, 'filedIn'], 'filedIn names the filing task: say with whom the contract is filed with filedWith');
        else if (!filing) context.report([...base, 'filedIn'], `"${contract.filedIn}" is not a task of step "${step.id}"`);
        else if (!filing.decisions.some((d) => d.outcome === 'submit' || d.outcome === 'approve')) {
          context.report([...base, 'filedIn'], `task "${filing.id}" has no submit or approve decision to record the filing`);
        } else if (filing.form.some((field) => field.id === FILED_WITH_FIELD)) {
          context.report([...base, 'filedIn'], `the form of "${filing.id}" may not have a field "${FILED_WITH_FIELD}": the filing's decision records the body there`);
        }
      }
      if (contract.subcontracting === 'forbidden' && !contract.attestedIn) {
        context.report([...base, 'subcontracting'], 'subcontracting is forbidden, but nothing says where the vendor attests it: add contract.attestedIn { task, field }, a yes/no field of the vendor’s signing task (Implementing Regulations art. 72)');
      }
      if (contract.attestedIn) {
        const at = [...base, 'attestedIn'];
        const task = tasks.find((candidate) => candidate.id === contract.attestedIn?.task);
        if (contract.subcontracting !== 'forbidden') context.report(at, 'attestedIn applies only when subcontracting is forbidden');
        else if (!task) context.report([...at, 'task'], `"${contract.attestedIn.task}" is not a task of step "${step.id}"`);
        else if (task.role !== VENDOR_ROLE) context.report([...at, 'task'], `task "${task.id}" is for role "${task.role}"; the vendor (role "${VENDOR_ROLE}") attests`);
        else if (!boolField(task, contract.attestedIn.field)) context.report([...at, 'field'], `"${contract.attestedIn.field}" is not a yes/no (bool) field of the form of "${task.id}"`);
      }
      contract.serviceLevels.forEach((level, l) => {
        const at = [...base, 'serviceLevels', l];
        if (!level.measuredBy) {
          if (level.target !== undefined) context.report([...at, 'target'], 'a target needs measuredBy, the KPI that measures it');
          return;
        }
        const kpi = kpis.find((candidate) => candidate.id === level.measuredBy);
        if (!kpi) {
          context.report([...at, 'measuredBy'], `"${level.measuredBy}" is not a KPI of the performance step (declared: ${list(kpis.map((k) => k.id)) || 'none'})`);
          return;
        }
        if (level.target === undefined) context.report(at, `service level "${level.id}" is measured by "${kpi.id}" but has no target`);
        else if (typeof level.target === 'boolean') {
          if (kpi.type !== 'bool') context.report([...at, 'target'], `KPI "${kpi.id}" is ${kpi.type}: give the target as { min, max }`);
        } else if (kpi.type === 'bool') context.report([...at, 'target'], `KPI "${kpi.id}" is yes/no: give the target as true or false`);
        else if (level.target.min === undefined && level.target.max === undefined) context.report([...at, 'target'], 'a target needs min, max or both');
        else if (level.target.min !== undefined && level.target.max !== undefined && level.target.min > level.target.max) context.report([...at, 'target'], 'min is above max');
      });
    }
  },
};

const acceptancePublication: SemanticRule<ProcedureDefinition> = {
  id: 'PF-ACCEPTANCE',
  description:
    'An acceptance that is `published` has a notice of kind acceptanceResult to publish, which the engine publishes when the acceptance is decided, so the flow draws no publish node of it; one not published draws none either.',
  check(context) {
    const procedure = context.definition;
    const notice = procedure.notices.find((candidate) => candidate.kind === 'acceptanceResult');
    for (const { step, stepIndex: s } of stepsOfKind(procedure, 'performanceManagement')) {
      const at = ['steps', s, 'performance', 'acceptance', 'published'];
      if (step.performance.acceptance.published && !notice) {
        context.report(at, 'the acceptance is published, but no notice of kind acceptanceResult is declared to publish (Implementing Regulations art. 45)');
      }
      for (const { node, path } of locatedNodes(procedure, s, 'publish')) {
        const published = procedure.notices.find((candidate) => candidate.id === node.notice);
        if (published?.kind !== 'acceptanceResult') continue;
        context.report(
          [...path, 'notice'],
          step.performance.acceptance.published
            ? `the engine publishes "${node.notice}" when the acceptance is decided; remove this publish node, or it is published twice`
            : `the acceptance is not published (performance.acceptance.published: false), yet this node publishes its result`,
        );
      }
    }
  },
};

/**
 * A reset puts the cycle's own workflow back to the start of a step; a contract's steps run in its contract
 * workflow, which ops staff cannot reset (its payments are never undone), so marking one would promise nothing.
 */
const resettableSteps: SemanticRule<ProcedureDefinition> = {
  id: 'PF-RESETTABLE',
  description: 'Only a cycle’s own steps (budgeting, publicNotice, vendorSelection) may be resettable.',
  check(context) {
    context.definition.steps.forEach((step, index) => {
      if (step.resettable && CONTRACT_SCOPED_KINDS.includes(step.kind)) {
        context.report(['steps', index, 'resettable'], `a ${step.kind} step runs in each contract's workflow, which cannot be reset: only the cycle's own steps may be resettable`);
      }
    });
  },
};

const exitRules: SemanticRule<ProcedureDefinition> = {
  id: 'PF-EXIT',
  description:
    'The exit mechanism withholds only tranches declared under payment.tranches, each once, and is reinstated by a declared role other than the vendor’s own.',
  check(context) {
    const p = context.definition;
    const release = p.steps.find((step) => step.kind === 'paymentRelease');
    const trancheIds = new Set(release?.kind === 'paymentRelease' ? release.payment.tranches.map((t) => t.id) : []);
    const roles = new Set(p.roles.map((role) => role.id));
    for (const { step, stepIndex: s } of stepsOfKind(p, 'performanceManagement')) {
      const exit = step.performance.exit;
      if (!exit) continue;
      const base = ['steps', s, 'performance', 'exit'];
      exit.withholds?.forEach((id, i) => {
        if (!trancheIds.has(id)) context.report([...base, 'withholds', i], `"${id}" is not a tranche under payment.tranches (declared: ${list(trancheIds) || 'none'})`);
        else if (exit.withholds?.indexOf(id) !== i) context.report([...base, 'withholds', i], `"${id}" is withheld twice`);
      });
      if (exit.reinstatedBy !== undefined) {
        if (exit.reinstatedBy === VENDOR_ROLE) context.report([...base, 'reinstatedBy'], 'a suspended vendor may not reinstate itself: name the authority that decides');
        else if (!roles.has(exit.reinstatedBy)) context.report([...base, 'reinstatedBy'], `"${exit.reinstatedBy}" is not a declared role (roles: ${list(roles)})`);
      }
    }
  },
};

/**
 * A ledger's submission window opens on or before its due day (else no day could take the ledger), and a
 * line filled from case evidence can be 0 — what it holds until the evidence exists (definitions/README.md,
 * "Ledger lines from case evidence") — and takes no default the vendor's form would stand in for it.
 */
const ledgerCalendar: SemanticRule<ProcedureDefinition> = {
  id: 'PF-LEDGER',
  description:
    'A ledger’s `window` is for monthly or quarterly periods, its `opensDay` on or before its `dueDay`; a line with `source: { cases: … }` allows 0 (no `min` above 0) and has no `default`.',
  check(context) {
    for (const { step, stepIndex: s } of stepsOfKind(context.definition, 'performanceManagement')) {
      const { ledger } = step.performance;
      const base = ['steps', s, 'performance', 'ledger'];
      if (ledger.window && ledger.period !== 'monthly' && ledger.period !== 'quarterly') {
        context.report([...base, 'window'], `a window opens on a day of the period's last month: a period of ${ledger.period} has none (its ledger is due as it ends)`);
      } else if (ledger.window && ledger.window.opensDay > ledger.dueDay) {
        context.report([...base, 'window', 'opensDay'], `the submission window opens on day ${ledger.window.opensDay}, after the due day ${ledger.dueDay}: no day could take the ledger`);
      }
      ledger.lines.forEach((line, i) => {
        if (typeof line.source !== 'object') return;
        if (line.min !== undefined && line.min > 0) {
          context.report([...base, 'lines', i, 'min'], `ledger line "${line.id}" is filled from case evidence and holds 0 until the evidence exists: its min may not be above 0`);
        }
        if (line.default !== undefined) context.report([...base, 'lines', i, 'default'], `ledger line "${line.id}" is filled from case evidence: the vendor's default cannot stand in for it`);
      });
    }
  },
};

/**
 * Review groups (definitions/README.md, "Review groups") are read as `periods.<id>` beside
 * `periods.ledger`: their ids are unique and not `ledger`, and each group's KPI ids are unique.
 */
const reviewGroups: SemanticRule<ProcedureDefinition> = {
  id: 'PF-REVIEWS',
  description: 'Review groups (`performance.reviews`) have unique ids other than `ledger` (both are read under `periods`), and each group’s KPIs have unique ids.',
  check(context) {
    for (const { step, stepIndex: s } of stepsOfKind(context.definition, 'performanceManagement')) {
      const reviews = step.performance.reviews ?? [];
      const base = ['steps', s, 'performance', 'reviews'];
      reviews.forEach((review, r) => {
        if (review.id === 'ledger') context.report([...base, r, 'id'], 'a review group may not be called "ledger": `periods.ledger` is the ledger periods themselves');
        reportDuplicates(context, review.kpis.map((kpi, i) => ({ id: kpi.id, path: [...base, r, 'kpis', i, 'id'] })), `KPI of review "${review.id}"`);
      });
      reportDuplicates(context, reviews.map((review, r) => ({ id: review.id, path: [...base, r, 'id'] })), 'review group');
    }
  },
};

/**
 * Several ledgerPeriods nodes share one calendar: each with `through` ends mid-term and the next runs on;
 * exactly one has none, and it runs to the end of the term and holds it (the final tranche waits for it).
 */
const ledgerThrough: SemanticRule<ProcedureDefinition> = {
  id: 'PF-LEDGER-THROUGH',
  description: 'Of a performance step’s ledgerPeriods nodes, exactly one has no `through`: it runs the ledger periods to the end of the term; the others end mid-term at their `through`.',
  check(context) {
    for (const { step, stepIndex: s } of stepsOfKind(context.definition, 'performanceManagement')) {
      const ledgers = step.flow.nodes.map((node, n) => ({ node, n })).filter(({ node }) => node.type === 'ledgerPeriods');
      if (ledgers.length === 0) continue;
      const toTerm = ledgers.filter(({ node }) => node.type === 'ledgerPeriods' && node.through === undefined);
      if (toTerm.length === 0) {
        const last = ledgers[ledgers.length - 1];
        if (last) context.report(['steps', s, 'flow', 'nodes', last.n, 'through'], `every ledgerPeriods node of step "${step.id}" ends at its "through": leave it out of the one that runs to the end of the term`);
      }
      for (const extra of toTerm.slice(1)) {
        context.report(['steps', s, 'flow', 'nodes', extra.n, 'type'], `step "${step.id}" has several ledgerPeriods nodes without "through": all but the one that runs to the end of the term say the last period they run`);
      }
    }
  },
};

/** Every semantic rule of the Procedure kind, in the order their ids appear in the language reference. */
export const procedureRules: readonly SemanticRule<ProcedureDefinition>[] = [
  stepOrder,
  uniqueIds,
  roleReferences,
  nodeReferences,
  nodeKinds,
  requiredNodes,
  reachability,
  termination,
  decisions,
  fourEyes,
  notices,
  fields,
  confidentiality,
  weights,
  selectionMethods,
  methodMinimums,
  invitationLists,
  drawnApprovals,
  tranches,
  trancheTotal,
  trancheFund,
  finalTranche,
  exitRules,
  resettableSteps,
  expressions,
  eventAnchors,
  challengeWindows,
  fieldChecks,
  contractRules,
  acceptancePublication,
  ledgerCalendar,
  reviewGroups,
  ledgerThrough,
];
