import { Module } from '@nestjs/common';
import type { AppConfig } from '../../../../src/config/config.js';
import { APP_CONFIG } from '../common/injection-tokens.js';
import { DefinitionCompilerPool } from './definition-compiler.pool.js';
import { DefinitionsController } from './definitions.controller.js';
import { DefinitionsRepository } from './definitions.repository.js';
import { DefinitionsService } from './definitions.service.js';

@Module({
  controllers: [DefinitionsController],
  providers: [
    DefinitionsService,
    DefinitionsRepository,
    {
      provide: DefinitionCompilerPool,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new DefinitionCompilerPool({ timeoutMs: config.definitionCompileTimeoutMs }),
    },
  ],
  exports: [DefinitionsService, DefinitionsRepository],
})
export class DefinitionsModule {}
