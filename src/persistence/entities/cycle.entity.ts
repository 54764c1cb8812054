import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CycleStatus } from '../../procurement/read-model.js';

/**
 * One procurement cycle (a run of the cycle workflow), pinned to the definition version it started with.
 * Written only by projection activities.
 */
@Entity({ name: 'cycles' })
@Index('cycles_jurisdiction_idx', ['jurisdiction', 'status'])
export class CycleEntity {
  /** The cycle workflow's id. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'definition_key', type: 'text' })
  definitionKey!: string;

  @Column({ name: 'definition_version', type: 'integer' })
  definitionVersion!: number;

  @Column({ name: 'definition_hash', type: 'text' })
  definitionHash!: string;

  @Column({ type: 'text' })
  jurisdiction!: string;

  @Column({ type: 'jsonb' })
  title!: { zh: string; en: string };

  @Column({ type: 'text', default: 'running' })
  status!: CycleStatus;

  /** The step running now; null between steps and once the cycle's own steps are over. */
  @Column({ name: 'current_step', type: 'text', nullable: true })
  currentStep!: string | null;

  /** Seq of the command that last set current_step, so an older command never overwrites a newer one. */
  @Column({ name: 'current_step_seq', type: 'integer', default: -1 })
  currentStepSeq!: number;

  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  inputs!: Record<string, string | number | boolean>;

  @Column({ name: 'selection_method', type: 'text', nullable: true })
  selectionMethod!: string | null;

  @Column({ name: 'bidding_round', type: 'integer', nullable: true })
  biddingRound!: number | null;

  @Column({ name: 'bidding_open', type: 'boolean', default: false })
  biddingOpen!: boolean;

  @Column({ name: 'bidding_until', type: 'timestamptz', nullable: true })
  biddingUntil!: Date | null;

  @Column({ name: 'bids_received', type: 'integer', nullable: true })
  bidsReceived!: number | null;

  @Column({ name: 'bids_qualified', type: 'integer', nullable: true })
  bidsQualified!: number | null;

  /** Whether the last bidding round had enough qualified bids. */
  @Column({ name: 'bidding_enough', type: 'boolean', nullable: true })
  biddingEnough!: boolean | null;

  @Column({ name: 'awarded_at', type: 'timestamptz', nullable: true })
  awardedAt!: Date | null;

  @Column({ name: 'launched_by', type: 'text' })
  launchedBy!: string;

  @Column({ name: 'launched_at', type: 'timestamptz' })
  launchedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason!: string | null;
}
