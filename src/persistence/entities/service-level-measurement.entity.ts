import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A contract's service level as measured on one confirmed ledger period (`contract.serviceLevels[].measuredBy`). */
@Entity({ name: 'service_level_measurements' })
@Index('service_level_measurements_cycle_idx', ['cycleId'])
export class ServiceLevelMeasurementEntity {
  @PrimaryColumn({ name: 'contract_id', type: 'text' })
  contractId!: string;

  @PrimaryColumn({ name: 'service_level_id', type: 'text' })
  serviceLevelId!: string;

  /** The ledger period (1-based) whose confirmed lines were measured. */
  @PrimaryColumn({ type: 'integer' })
  period!: number;

  @Column({ name: 'cycle_id', type: 'text' })
  cycleId!: string;

  @Column({ type: 'jsonb' })
  title!: { zh: string; en: string };

  /** The contract KPI (ledger line) the level is measured by. */
  @Column({ name: 'kpi_id', type: 'text' })
  kpiId!: string;

  @Column({ type: 'jsonb' })
  value!: string | number | boolean;

  @Column({ type: 'jsonb' })
  target!: boolean | { min?: number; max?: number };

  @Column({ type: 'boolean' })
  met!: boolean;

  /** Workflow time of the ledger confirmation that measured it. */
  @Column({ name: 'measured_at', type: 'timestamptz' })
  measuredAt!: Date;

  @Column({ type: 'integer' })
  seq!: number;
}
