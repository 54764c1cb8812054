import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Controller, Get, type INestApplication, Module, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiOkResponse, ApiProperty, DECORATORS, SwaggerModule } from '@nestjs/swagger';
import { createOfflineApiApp } from '../../../apps/api/src/openapi-offline.js';
import { documentedModels, duplicateModelNames } from '../../../apps/api/src/openapi-models.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

/** Two classes that are both called `PaymentDto`, as the cycles and payments modules once had. */
const PaymentInCycle = (() => {
  class PaymentDto {
    @ApiProperty()
    trancheId!: string;
  }
  return PaymentDto;
})();
const PaymentInList = (() => {
  class PaymentDto {
    @ApiProperty()
    idempotencyKey!: string;
  }
  return PaymentDto;
})();

class CycleWithPaymentsDto {
  @ApiProperty({ type: [PaymentInCycle] })
  payments!: InstanceType<typeof PaymentInCycle>[];
}

class PageQueryDto {
  @ApiProperty({ required: false })
  cycleId?: string;
}

@Controller('planted')
class PlantedController {
  @Get('cycle')
  @ApiOkResponse({ type: CycleWithPaymentsDto })
  cycle(): CycleWithPaymentsDto {
    return { payments: [] };
  }

  @Get('payments')
  @ApiOkResponse({ type: () => [PaymentInList] })
  payments(@Query() _query: PageQueryDto): InstanceType<typeof PaymentInList>[] {
    return [];
  }
}

@Module({ controllers: [PlantedController] })
class PlantedModule {}

describe('DTO class names (OpenAPI schema names)', () => {
  it('are unique among every class the API’s document is built from', async () => {
    const app = await createOfflineApiApp();
    try {
      const models = documentedModels(app);
      expect(duplicateModelNames(models)).toEqual([]);
      // The walk reaches request, response, nested and base classes alike.
      expect([...models.keys()]).toEqual(
        expect.arrayContaining(['LaunchCycleDto', 'CycleDetailDto', 'CyclePaymentDto', 'PaymentDto', 'TaskDto', 'DefinitionSummaryDto', 'ErrorResponseDto', 'FieldProblemDto']),
      );
    } finally {
      await app.close();
    }
  });

  it('are unique among all classes the API’s DTO modules export, used or not', async () => {
    const byName = new Map<string, string[]>();
    for (const file of await dtoModules(path.join(PROJECT_ROOT, 'apps', 'api', 'src'))) {
      const exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const value of Object.values(exported)) {
        if (typeof value !== 'function' || Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, value.prototype) === undefined) continue;
        byName.set(value.name, [...(byName.get(value.name) ?? []), path.relative(PROJECT_ROOT, file)]);
      }
    }
    expect(byName.size).toBeGreaterThan(40);
    expect([...byName.entries()].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it('are found out when two differ, although swagger quietly documents them as one schema', async () => {
    const app: INestApplication = await NestFactory.create(PlantedModule, { logger: false });
    try {
      const document = SwaggerModule.createDocument(app, { openapi: '3.0.0', info: { title: 'planted', version: '1' } });
      expect(Object.keys(document.components?.schemas ?? {}).filter((name) => name === 'PaymentDto')).toHaveLength(1);

      expect(duplicateModelNames(documentedModels(app))).toEqual(['PaymentDto']);
    } finally {
      await app.close();
    }
  });
});

async function dtoModules(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.dto.ts')).map((entry) => path.join(entry.parentPath, entry.name));
}
