import { Alert, Button, Card, Form, Input, List, Space, Typography } from 'antd';
import { useRef, useState, type ChangeEvent, type UIEvent } from 'react';
import { api } from '../../api/client.js';
import { ApiFailure, unwrap } from '../../api/errors.js';
import type { components } from '../../api/schema.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useI18n } from '../../i18n/index.js';
import { useSession } from '../../session/session.js';
import { DEPLOYER_ROLE } from './DefinitionsPage.js';
import { diagnosticsByLine, SourceView, type Diagnostic, type SourceViewHandle } from './SourceView.js';

type ValidationReport = components['schemas']['ValidationReportDto'];
type DeployResult = components['schemas']['DeployResultDto'];

/** What the last validation or deployment answered, for the text it was asked about. */
type Outcome =
  | { readonly kind: 'validated'; readonly text: string; readonly report: ValidationReport }
  | { readonly kind: 'deployed'; readonly text: string; readonly result: DeployResult }
  | { readonly kind: 'refused'; readonly text: string; readonly failure: ApiFailure };

/** Line height of the editor and its gutter, in pixels: they must match for the numbers to sit by their lines. */
const LINE_HEIGHT = 20;

/** The offset in `text` where 1-based `line` starts. */
function offsetOfLine(text: string, line: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}

/**
 * The definition editor: a YAML file pasted or loaded into a text area with line numbers; validating it
 * (POST /definitions/validate) marks each diagnostic in the gutter at its line, lists them all as
 * file:line:column (a click moves the cursor to the line), and shows an annotated copy of the text with
 * each message under its line. Deploying (POST /definitions) shows a refusal's diagnostics the same way.
 */
export function EditorPage() {
  const { t } = useI18n();
  const { hasRole } = useSession();
  const [fileName, setFileName] = useState('definition.yaml');
  const [text, setText] = useState('');
  const [comment, setComment] = useState('');
  const [missing, setMissing] = useState<{ file?: boolean; text?: boolean }>({});
  const [busy, setBusy] = useState<'validate' | 'deploy'>();
  const [outcome, setOutcome] = useState<Outcome>();
  const editor = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const annotated = useRef<SourceViewHandle>(null);

  const diagnostics: Diagnostic[] =
    outcome?.kind === 'validated'
      ? outcome.report.files.flatMap((file) => file.diagnostics)
      : outcome?.kind === 'refused'
        ? (outcome.failure.body?.diagnostics ?? [])
        : [];
  // The markers belong to the text they were found in; once the user edits it they would point at the wrong lines.
  const current = outcome !== undefined && outcome.text === text;
  const lineCount = Math.max(text.split('\n').length, 1);
  const marked = current ? diagnosticsByLine(diagnostics, lineCount) : new Map<number, Diagnostic[]>();

  const files = () => {
    const problems = { file: fileName.trim() === '', text: text.trim() === '' };
    setMissing(problems);
    return problems.file || problems.text ? undefined : [{ file: fileName.trim(), text }];
  };

  const validate = async () => {
    const body = files();
    if (!body) return;
    setBusy('validate');
    try {
      setOutcome({ kind: 'validated', text, report: await unwrap(api.POST('/definitions/validate', { body: { files: body } })) });
    } catch (failure) {
      setOutcome({ kind: 'refused', text, failure: failure instanceof ApiFailure ? failure : new ApiFailure(0, undefined) });
    } finally {
      setBusy(undefined);
    }
  };

  const deploy = async () => {
    const body = files();
    if (!body) return;
    setBusy('deploy');
    try {
      const result = await unwrap(api.POST('/definitions', { body: { files: body, ...(comment.trim() ? { comment: comment.trim() } : {}) } }));
      setOutcome({ kind: 'deployed', text, result });
    } catch (failure) {
      setOutcome({ kind: 'refused', text, failure: failure instanceof ApiFailure ? failure : new ApiFailure(0, undefined) });
    } finally {
      setBusy(undefined);
    }
  };

  const load = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    setFileName(file.name);
    setText(await file.text());
    setOutcome(undefined);
    event.target.value = '';
  };

  const goToLine = (line: number) => {
    const area = editor.current;
    if (area) {
      const start = offsetOfLine(text, line);
      const end = text.indexOf('\n', start);
      area.focus();
      area.setSelectionRange(start, end < 0 ? text.length : end);
      area.scrollTop = Math.max(0, (line - 3) * LINE_HEIGHT);
    }
    annotated.current?.revealLine(line);
  };

  const syncGutter = (event: UIEvent<HTMLTextAreaElement>) => {
    if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
  };

  return (
    <>
      <Typography.Title level={1} className="pf-page-title">
        {t('editor.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('editor.intro')}</Typography.Paragraph>
      <Card>
        <Form layout="vertical" onSubmitCapture={(event) => event.preventDefault()}>
          <Space wrap align="end" className="pf-toolbar">
            <Form.Item label={t('editor.fileName')} htmlFor="definition-file-name" validateStatus={missing.file ? 'error' : undefined} help={missing.file ? t('editor.fileNameRequired') : undefined} className="pf-inline-field">
              <Input id="definition-file-name" value={fileName} onChange={(event) => setFileName(event.target.value)} className="pf-file-name" />
            </Form.Item>
            <Form.Item className="pf-inline-field">
              <label className="ant-btn ant-btn-default pf-file-button">
                {t('editor.load')}
                <input type="file" accept=".yaml,.yml,text/yaml" className="pf-visually-hidden" onChange={(event) => void load(event)} />
              </label>
            </Form.Item>
          </Space>
          <Form.Item label={t('editor.text')} htmlFor="definition-text" validateStatus={missing.text ? 'error' : undefined} help={missing.text ? t('editor.textRequired') : undefined}>
            <div className="pf-editor">
              <div ref={gutter} className="pf-editor-gutter" aria-hidden="true">
                {Array.from({ length: lineCount }, (_, index) => (
                  <div key={index} className={marked.has(index + 1) ? 'pf-editor-num pf-editor-num-error' : 'pf-editor-num'} data-line={index + 1}>
                    {marked.has(index + 1) ? '● ' : ''}
                    {index + 1}
                  </div>
                ))}
              </div>
              <textarea
                id="definition-text"
                ref={editor}
                className="pf-editor-text"
                value={text}
                spellCheck={false}
                wrap="off"
                onScroll={syncGutter}
                onChange={(event) => setText(event.target.value)}
                aria-describedby={marked.size > 0 ? 'definition-diagnostics' : undefined}
              />
            </div>
          </Form.Item>
          {hasRole(DEPLOYER_ROLE) && (
            <Form.Item label={t('editor.comment')} htmlFor="definition-comment">
              <Input.TextArea id="definition-comment" rows={2} maxLength={2000} value={comment} onChange={(event) => setComment(event.target.value)} />
            </Form.Item>
          )}
          <Space>
            <Button type="primary" loading={busy === 'validate'} disabled={busy !== undefined} onClick={() => void validate()}>
              {t('editor.validate')}
            </Button>
            {hasRole(DEPLOYER_ROLE) && (
              <Button loading={busy === 'deploy'} disabled={busy !== undefined} onClick={() => void deploy()}>
                {t('editor.deploy')}
              </Button>
            )}
          </Space>
        </Form>
      </Card>

      <div aria-live="polite" className="pf-section">
        {outcome?.kind === 'validated' && outcome.report.valid && (
          <Alert
            type="success"
            showIcon
            title={outcome.report.files.map((file) => t('editor.valid', { file: file.file, kind: file.kind ?? '', key: file.key ?? '' })).join('；')}
          />
        )}
        {outcome?.kind === 'validated' && !outcome.report.valid && <Alert type="error" showIcon title={t('editor.invalid', { count: diagnostics.length })} />}
        {outcome?.kind === 'deployed' && (
          <Alert
            type="success"
            showIcon
            title={outcome.result.definitions
              .map((d) => t(d.created ? 'editor.deployed' : 'editor.unchanged', { key: d.key, version: d.version }))
              .join('；')}
          />
        )}
        {outcome?.kind === 'refused' && <ErrorNotice error={outcome.failure} />}
      </div>

      {current && diagnostics.length > 0 && (
        <Card className="pf-section">
          <Typography.Title level={2} className="pf-section-title" id="definition-diagnostics">
            {t('editor.diagnostics')}
          </Typography.Title>
          <List
            size="small"
            dataSource={diagnostics}
            renderItem={(diagnostic) => (
              <List.Item>
                <Button
                  type="link"
                  className="pf-diagnostic-link"
                  onClick={() => goToLine(diagnostic.line)}
                >
                  <code>{t('editor.diagnosticAt', { file: diagnostic.file, line: diagnostic.line, column: diagnostic.column })}</code>
                </Button>
                <span className="pf-diagnostic-message">
                  {diagnostic.message} <span className="pf-src-rule">[{diagnostic.ruleId}]</span>
                </span>
              </List.Item>
            )}
          />
          <Typography.Title level={2} className="pf-section-title pf-section">
            {t('editor.annotated')}
          </Typography.Title>
          <SourceView ref={annotated} idPrefix="annotated" text={outcome.text} diagnostics={diagnostics} label={t('editor.annotated')} />
        </Card>
      )}
    </>
  );
}
