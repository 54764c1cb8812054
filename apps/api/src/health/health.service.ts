import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../../../src/config/config.js';
import { APP_CONFIG, TEMPORAL_ADDRESS } from '../common/injection-tokens.js';
import { CalendarHorizonService } from './calendar-horizon.service.js';
import { type DependencyCheckDto, DependencyStatus, type ReadinessDto, ReadinessStatus, type ReadinessWarningDto } from './health.dto.js';

/** How long one dependency may take to answer before it counts as down. */
const CHECK_TIMEOUT_MS = 3_000;

/**
 * A worker long-polls each task queue for up to a minute, and the server remembers the time of each poll;
 * a poll older than this means nobody is listening any more.
 */
const POLLER_FRESHNESS_MS = 90_000;

// @temporalio/proto is CommonJS without static named exports, so ESM code takes it whole.
const { TaskQueueKind, TaskQueueType } = protos.temporal.api.enums.v1;

@Injectable()
export class HealthService implements OnModuleDestroy {
  /**
   * A connection of the checks' own, without the client's retry interceptor: a probe must answer
   * "down" within its timeout and leave nothing retrying behind it.
   */
  private readonly probe: Connection;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_ADDRESS) temporalAddress: string,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly calendars: CalendarHorizonService,
  ) {
    this.probe = Connection.lazy({ address: temporalAddress, interceptors: [] });
  }

  async onModuleDestroy(): Promise<void> {
    await this.probe.close();
  }

  /** Checks every dependency concurrently; never throws, reports each one's state. */
  async readiness(): Promise<ReadinessDto> {
    const [database, temporalCheck] = await Promise.all([this.checkDatabase(), this.checkTemporal()]);
    const worker =
      temporalCheck.status === DependencyStatus.Up
        ? await this.checkWorkers()
        : { status: DependencyStatus.Down, detail: 'unknown: Temporal is unreachable' };
    const checks = { database, temporal: temporalCheck, worker };
    const ready = Object.values(checks).every((check) => check.status === DependencyStatus.Up);
    const warnings = database.status === DependencyStatus.Up ? await this.warnings() : [];
    return { status: ready ? ReadinessStatus.Ready : ReadinessStatus.NotReady, checks, warnings };
  }

  /**
   * What does not make the API unready but needs ops staff soon: calendars that end within the horizon.
   * A warning that cannot be computed is itself a warning, never a failed probe.
   */
  private async warnings(): Promise<ReadinessWarningDto[]> {
    let timer: NodeJS.Timeout | undefined;
    // A probe answers in bounded time: a slow database leaves the warning out and says so.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    try {
      return (await Promise.race([this.calendars.warnings(), timeout])).map((warning) => ({ kind: 'calendarHorizon', message: warning.message, jurisdiction: warning.jurisdiction, file: warning.file }));
    } catch (error) {
      return [{ kind: 'calendarHorizon', message: `the calendar horizon could not be checked: ${error instanceof Error ? error.message : String(error)}`, jurisdiction: null, file: null }];
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The task queues no worker has polled lately (of `queues`, every configured one by default). Throws
   * when Temporal does not answer in time: the caller says what that means for it.
   */
  async silentTaskQueues(queues: readonly string[] = Object.values(this.config.temporal.taskQueues)): Promise<string[]> {
    const { namespace } = this.config.temporal;
    const silent: string[] = [];
    for (const queue of queues) {
      const response = await this.withinCheckTimeout(() =>
        this.probe.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      const freshPollers = (response.pollers ?? []).filter((poller) => {
        const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
        return Date.now() - seconds * 1000 < POLLER_FRESHNESS_MS;
      });
      if (freshPollers.length === 0) silent.push(queue);
    }
    return silent;
  }

  private withinCheckTimeout<T>(call: () => Promise<T>): Promise<T> {
    return this.probe.withDeadline(Date.now() + CHECK_TIMEOUT_MS, call);
  }

  private checkDatabase(): Promise<DependencyCheckDto> {
    return timed('PostgreSQL', async () => {
      await this.dataSource.query('SELECT 1');
      return 'SELECT 1 answered';
    });
  }

  private checkTemporal(): Promise<DependencyCheckDto> {
    const { namespace } = this.config.temporal;
    return timed('Temporal', async () => {
      await this.withinCheckTimeout(() =>
        this.probe.workflowService.describeNamespace({ namespace }),
      );
      return `namespace "${namespace}" is served`;
    });
  }

  private checkWorkers(): Promise<DependencyCheckDto> {
    const { taskQueues } = this.config.temporal;
    return timed('worker', async () => {
      const silent = await this.silentTaskQueues();
      if (silent.length > 0) throw new Error(`no worker is polling task queue ${silent.map((q) => `"${q}"`).join(', ')}`);
      return `workers are polling ${Object.values(taskQueues).map((q) => `"${q}"`).join(', ')}`;
    });
  }
}

async function timed(what: string, check: () => Promise<string>): Promise<DependencyCheckDto> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const detail = await Promise.race([check(), timeout]);
    return { status: DependencyStatus.Up, detail };
  } catch (error) {
    return { status: DependencyStatus.Down, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
