import { Module } from '@nestjs/common';
import { CaseAssignmentController, StaffController } from './staff.controller.js';
import { StaffRepository } from './staff.repository.js';
import { StaffService } from './staff.service.js';

/** Vendors' staff, case assignments and staffing reports; exports StaffService for the case detail's assignment. */
@Module({ controllers: [StaffController, CaseAssignmentController], providers: [StaffService, StaffRepository], exports: [StaffService] })
export class StaffModule {}
