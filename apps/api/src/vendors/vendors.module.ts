import { Module } from '@nestjs/common';
import { VendorsController } from './vendors.controller.js';
import { VendorsRepository } from './vendors.repository.js';
import { VendorsService } from './vendors.service.js';

/** The vendor registry; exports VendorsService for its `assertEligible` check. */
@Module({ controllers: [VendorsController], providers: [VendorsService, VendorsRepository], exports: [VendorsService] })
export class VendorsModule {}
