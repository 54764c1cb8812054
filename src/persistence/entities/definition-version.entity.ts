import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * One deployed version of a definition in the registry. Versions are immutable (a database trigger
 * refuses UPDATE and DELETE): a running procurement cycle or case stays pinned to the exact version it
 * started with. A key's versions count 1, 2, 3…; the same content deployed again is the same version.
 */
@Entity({ name: 'definition_versions' })
@Unique('definition_versions_key_version_key', ['key', 'version'])
@Unique('definition_versions_key_content_hash_key', ['key', 'contentHash'])
@Index('definition_versions_kind_idx', ['kind', 'key'])
export class DefinitionVersionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** metadata.key of the definition, e.g. `zj-deqing-correction-2026`. */
  @Column({ type: 'text' })
  key!: string;

  /** Procedure, SupervisionLifecycle or Calendar; the same for every version of a key. */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'integer' })
  version!: number;

  /** sha256 (hex) of the canonical JSON of the compiled definition. */
  @Column({ name: 'content_hash', type: 'text' })
  contentHash!: string;

  /** metadata.title: `{ zh, en }`. */
  @Column({ type: 'jsonb' })
  title!: { zh: string; en: string };

  /** metadata.jurisdiction.code; null for a definition that belongs to no jurisdiction. */
  @Column({ type: 'text', nullable: true })
  jurisdiction!: string | null;

  /**
   * metadata.serviceType of a procedure (communityCorrection, peopleMediation, resettlement): the kind of
   * service it buys, which GET /definitions and GET /cycles filter on; null for other kinds.
   */
  @Column({ name: 'service_type', type: 'text', nullable: true })
  serviceType!: string | null;

  /** The file name the definition was deployed from, as the deployer named it. */
  @Column({ name: 'source_file', type: 'text' })
  sourceFile!: string;

  /** The YAML exactly as deployed, comments and all. */
  @Column({ name: 'source_text', type: 'text' })
  sourceText!: string;

  /** The compiled definition (defaults filled in) that workflows run. */
  @Column({ type: 'jsonb' })
  compiled!: Record<string, unknown>;

  /** User id of the administrator who deployed this version. */
  @Column({ name: 'deployed_by', type: 'text' })
  deployedBy!: string;

  @Column({ name: 'deployed_at', type: 'timestamptz', default: () => 'now()' })
  deployedAt!: Date;
}
