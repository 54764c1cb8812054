import { Module } from '@nestjs/common';
import { DevSignIn } from './dev-sign-in.js';
import { SessionController } from './session.controller.js';

@Module({ controllers: [SessionController], providers: [DevSignIn], exports: [DevSignIn] })
export class SessionModule {}
