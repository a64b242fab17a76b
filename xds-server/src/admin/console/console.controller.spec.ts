import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ConsoleController } from './console.controller';

describe('ConsoleController', () => {
  it('is read-only: every route is a GET (the SSE stream included)', () => {
    const prototype = ConsoleController.prototype as unknown as Record<string, unknown>;
    const routes = Object.getOwnPropertyNames(prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => prototype[name])
      .filter((handler): handler is object => typeof handler === 'function' && Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
      .map((handler) => ({ path: Reflect.getMetadata(PATH_METADATA, handler) as string | string[], method: Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod }));
    expect(routes.length).toBeGreaterThanOrEqual(14);
    expect(routes.filter((r) => r.method !== RequestMethod.GET)).toEqual([]);
  });
});
