import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';

type AnyClass = Type<unknown>;

/**
 * Every class the OpenAPI document of `app` is built from — the DTOs of the controllers' parameters,
 * bodies and responses, the classes their properties refer to, and their base classes — by name.
 *
 * Nest's swagger names each schema after its class and keeps the first class of a name it meets: two
 * DTO classes of one name would silently be documented as one (GET /payments once showed the cycle
 * detail's payment). This walks the same decorator metadata the document is made from, so such a pair
 * shows up as a name with two classes.
 */
export function documentedModels(app: INestApplication): Map<string, Set<AnyClass>> {
  const models = new Map<string, Set<AnyClass>>();
  const seen = new Set<AnyClass>();
  const visit = (candidate: unknown): void => {
    const model = modelClass(candidate);
    if (!model || seen.has(model)) return;
    seen.add(model);
    const named = models.get(model.name) ?? new Set<AnyClass>();
    named.add(model);
    models.set(model.name, named);
    for (const property of propertyTypes(model)) visit(property);
    const base = Object.getPrototypeOf(model) as unknown;
    if (base !== Function.prototype) visit(base);
  };

  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as AnyClass | null;
      if (!controller) continue;
      for (const type of metadataTypes(controller)) visit(type);
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        if (name === 'constructor') continue;
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        for (const parameter of (Reflect.getMetadata('design:paramtypes', controller.prototype, name) as unknown[] | undefined) ?? []) visit(parameter);
        for (const type of metadataTypes(handler)) visit(type);
      }
    }
  }
  return models;
}

/** Names that more than one class uses, with where each is declared as far as a stack can tell. */
export function duplicateModelNames(models: Map<string, Set<AnyClass>>): string[] {
  return [...models.entries()].filter(([, classes]) => classes.size > 1).map(([name]) => name);
}

/** Classes named by the swagger decorators on a controller or handler: responses and extra models. */
function metadataTypes(target: object): unknown[] {
  const responses = (Reflect.getMetadata(DECORATORS.API_RESPONSE, target) as Record<string, { type?: unknown }> | undefined) ?? {};
  const extra = (Reflect.getMetadata(DECORATORS.API_EXTRA_MODELS, target) as unknown[] | undefined) ?? [];
  return [...Object.values(responses).map((response) => response.type), ...extra];
}

/** The types of a model's documented properties (classes, arrays of classes, or lazy `() => Class`). */
function propertyTypes(model: AnyClass): unknown[] {
  const keys = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, model.prototype) as string[] | undefined) ?? [];
  return keys.flatMap((key) => {
    const metadata = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, model.prototype, key.slice(1)) as { type?: unknown; items?: { type?: unknown } } | undefined;
    return [metadata?.type, metadata?.items?.type];
  });
}

/** The DTO class `candidate` stands for, if any: unwraps arrays and lazy type functions; skips built-ins. */
function modelClass(candidate: unknown): AnyClass | undefined {
  let type = candidate;
  while (Array.isArray(type)) type = type[0];
  // Nest's swagger recognises a lazy type function (`type: () => Foo`) by the name its property gives it.
  if (typeof type === 'function' && type.name === 'type' && !('prototype' in type && type.prototype)) type = (type as () => unknown)();
  while (Array.isArray(type)) type = type[0];
  if (typeof type !== 'function' || BUILT_IN.has(type)) return undefined;
  const hasProperties = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, (type as AnyClass).prototype) !== undefined;
  return hasProperties ? (type as AnyClass) : undefined;
}

const BUILT_IN = new Set<unknown>([String, Number, Boolean, Object, Array, Date, Promise, Function]);
