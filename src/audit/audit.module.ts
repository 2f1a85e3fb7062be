import { Global, Module } from '@nestjs/common';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditTrail } from './audit-trail';

/** The audit trail, for every feature module that changes data (global: one import in AppModule). */
@Global()
@Module({ providers: [AuditTrail, AuditEventsRepository], exports: [AuditTrail] })
export class AuditModule {}
