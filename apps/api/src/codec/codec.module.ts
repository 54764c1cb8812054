import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { CodecCorsMiddleware, CodecSessionCookieMiddleware, CodecSessionFormMiddleware } from './codec-http.middleware.js';
import { CodecController, CodecSessionController } from './codec.controller.js';
import { CodecService } from './codec.service.js';

/** Temporal's codec-server protocol, so the Web UI and the Temporal CLI can read encrypted histories. */
@Module({ controllers: [CodecController, CodecSessionController], providers: [CodecService] })
export class CodecModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(CodecCorsMiddleware, CodecSessionCookieMiddleware)
      .forRoutes({ path: 'codec/decode', method: RequestMethod.ALL }, { path: 'codec/encode', method: RequestMethod.ALL });
    consumer.apply(CodecSessionFormMiddleware).forRoutes({ path: 'codec/session', method: RequestMethod.POST });
  }
}
