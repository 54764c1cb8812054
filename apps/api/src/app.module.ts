import { type DynamicModule, Module } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../../src/config/config.js';
import { AuditModule } from './audit/audit.module.js';
import type { EncryptionCodec } from '../../../src/payload-encryption/encryption-codec.js';
import { AuthModule } from './auth/auth.module.js';
import { CasesModule } from './cases/cases.module.js';
import { CodecModule } from './codec/codec.module.js';
import { requestIdOf } from './common/request-id.js';
import { ACCESS_TOKEN_SECRET, APP_CONFIG, LOGGER, PAYLOAD_CODEC, TEMPORAL_ADDRESS, TEMPORAL_CLIENT } from './common/injection-tokens.js';
import { CyclesModule } from './cycles/cycles.module.js';
import { DefinitionsModule } from './definitions/definitions.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NoticesModule } from './notices/notices.module.js';
import { OpsModule } from './ops/ops.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { SessionModule } from './session/session.module.js';
import { StaffModule } from './staff/staff.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { VendorsModule } from './vendors/vendors.module.js';

/** What the composition root (the API's main, the stack, a test) hands to the API. */
export interface ApiDependencies {
  readonly config: AppConfig;
  readonly dataSource: DataSource;
  /** A client whose data converter encrypts with `payloadCodec` (see encryptingDataConverter). */
  readonly temporalClient: Client;
  /** The codec of the client, served to the Temporal Web UI at /codec. */
  readonly payloadCodec: EncryptionCodec;
  /** host:port of the Temporal frontend the client talks to, for the readiness probe. */
  readonly temporalAddress: string;
  readonly logger: Logger;
  /** The HS256 secret access tokens are verified with (config.jwtSecret, or the stack's generated one). */
  readonly jwtSecret: string;
}

@Module({})
export class AppModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: deps.logger,
            // Every request carries a correlation id: the caller's X-Request-Id or a fresh one.
            genReqId: requestIdOf,
            // …and every line written while serving it names that id at the top level, as the workers' lines do.
            customProps: (request) => ({ correlationId: request.id }),
            autoLogging: { ignore: (request) => request.url === '/health' },
          },
        }),
        AuthModule,
        HealthModule,
        MetricsModule,
        DefinitionsModule,
        CyclesModule,
        CasesModule,
        StaffModule,
        TasksModule,
        VendorsModule,
        NoticesModule,
        PaymentsModule,
        AuditModule,
        CodecModule,
        OpsModule,
        SessionModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: deps.config },
        { provide: DataSource, useValue: deps.dataSource },
        { provide: TEMPORAL_CLIENT, useValue: deps.temporalClient },
        { provide: TEMPORAL_ADDRESS, useValue: deps.temporalAddress },
        { provide: LOGGER, useValue: deps.logger },
        { provide: ACCESS_TOKEN_SECRET, useValue: deps.jwtSecret },
        { provide: PAYLOAD_CODEC, useValue: deps.payloadCodec },
      ],
      exports: [APP_CONFIG, DataSource, TEMPORAL_CLIENT, TEMPORAL_ADDRESS, LOGGER, ACCESS_TOKEN_SECRET, PAYLOAD_CODEC],
    };
  }
}
