import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The treasury port's outbox: one row per instructed payment, written in the same transaction as the
 * payment, exported to the treasury exactly once (a trigger refuses a second export).
 */
@Entity({ name: 'payment_outbox' })
export class PaymentOutboxEntity {
  @PrimaryColumn({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  /** What the treasury needs to pay, as instructed. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'exported_at', type: 'timestamptz', nullable: true })
  exportedAt!: Date | null;

  /** The export file (name only) the payment went out in. */
  @Column({ name: 'export_file', type: 'text', nullable: true })
  exportFile!: string | null;
}
