import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../../../src/config/config.js';
import { NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import { APP_CONFIG } from '../common/injection-tokens.js';
import { type CalendarCoverage, type CalendarWarning, calendarWarnings } from './calendar-horizon.js';

/**
 * Reads which years each jurisdiction's deployed calendars cover and its latest pending deadline, and
 * applies the horizon rule of calendar-horizon.ts. Jurisdictions judged: every one with an open process,
 * a deployed procedure or lifecycle, or its own calendar; the national one when there is none.
 */
@Injectable()
export class CalendarHorizonService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async warnings(now: Date = new Date()): Promise<CalendarWarning[]> {
    return calendarWarnings(await this.coverages(), now, this.config.calendarHorizonDays);
  }

  /** The years covered for a jurisdiction: its own deployed calendars and the national ones. */
  async coveredYears(): Promise<(jurisdiction: string) => ReadonlySet<number>> {
    const calendars = await this.calendars();
    return (jurisdiction) => new Set(calendars.filter((c) => c.jurisdiction === null || c.jurisdiction === NATIONAL_JURISDICTION || c.jurisdiction === jurisdiction).map((c) => c.year));
  }

  private calendars(): Promise<Array<{ jurisdiction: string | null; year: number }>> {
    // The latest version of each calendar key decides its year; a national calendar (or one of no jurisdiction) serves every jurisdiction.
    return this.dataSource.query(
      `SELECT jurisdiction, year FROM (
         SELECT DISTINCT ON (key) jurisdiction, (compiled->>'year')::int AS year FROM definition_versions
          WHERE kind = 'Calendar' ORDER BY key, version DESC) latest`,
    );
  }

  private async coverages(): Promise<CalendarCoverage[]> {
    const calendars = await this.calendars();
    const deadlines: Array<{ jurisdiction: string; latest: Date | null }> = await this.dataSource.query(
      `SELECT jurisdiction, max(due) AS latest FROM (
         SELECT c.jurisdiction, t.due_at AS due FROM tasks t JOIN cycles c ON c.id = t.cycle_id WHERE t.status = 'open' AND t.due_at IS NOT NULL
         UNION ALL SELECT s.jurisdiction, s.next_due_at FROM cases s WHERE s.status = 'running' AND s.next_due_at IS NOT NULL
         UNION ALL SELECT c.jurisdiction, NULL FROM cycles c WHERE c.ended_at IS NULL
       ) d GROUP BY jurisdiction`,
    );
    // A jurisdiction with a deployed procedure or lifecycle will have deadlines, even before its first process.
    const deployed: Array<{ jurisdiction: string }> = await this.dataSource.query(
      `SELECT DISTINCT jurisdiction FROM definition_versions WHERE kind <> 'Calendar' AND jurisdiction IS NOT NULL AND jurisdiction <> $1`,
      [NATIONAL_JURISDICTION],
    );
    const national = calendars.filter((c) => c.jurisdiction === null || c.jurisdiction === NATIONAL_JURISDICTION).map((c) => c.year);
    const jurisdictions = new Set<string>([
      ...deadlines.map((d) => d.jurisdiction),
      ...deployed.map((d) => d.jurisdiction),
      ...calendars.flatMap((c) => (c.jurisdiction && c.jurisdiction !== NATIONAL_JURISDICTION ? [c.jurisdiction] : [])),
    ]);
    if (jurisdictions.size === 0) jurisdictions.add(NATIONAL_JURISDICTION);
    return [...jurisdictions].map((jurisdiction) => {
      const latest = deadlines.find((d) => d.jurisdiction === jurisdiction)?.latest;
      return {
        jurisdiction,
        years: [...national, ...calendars.filter((c) => c.jurisdiction === jurisdiction).map((c) => c.year)],
        latestDeadline: latest ? new Date(latest).toISOString() : null,
      };
    });
  }
}
