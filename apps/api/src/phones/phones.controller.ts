import { Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { BackupPathParamsSchema, type PhoneSettingsInput, PhoneSettingsInputSchema, type PhoneSettingsView, UserPathParamsSchema, type VerificationRef } from '@redial/contracts';
import { Auth, type Caller } from '../common/auth.guard';
import { answerOnce, Idempotent, IdempotencyOf, type IdempotentRequest } from '../common/idempotency.guard';
import { CallerOf, RequestId } from '../common/request-context';
import { ValidBody, ValidParams } from '../common/zod-validation.pipe';
import { withoutNumbers } from './phone-view';
import { PhonesService } from './phones.service';

type UserPath = { userId: string };
type BackupPath = { userId: string; index: number };

@Controller('v1/users/:userId/phones')
export class PhonesController {
  constructor(private readonly phones: PhonesService) {}

  @Put()
  @HttpCode(200)
  @Idempotent()
  save(
    @ValidParams(UserPathParamsSchema) path: UserPath,
    @ValidBody(PhoneSettingsInputSchema) body: PhoneSettingsInput,
    @RequestId() requestId: string,
    @IdempotencyOf() idempotency?: IdempotentRequest,
  ): Promise<PhoneSettingsView> {
    return answerOnce(idempotency, () => this.phones.save(path.userId, body, requestId, idempotency));
  }

  /** "Verify this phone now": a challenge to that backup alone; its approval records the phone as verified. */
  @Post('backups/:index/verify')
  @HttpCode(201)
  verifyBackup(@ValidParams(BackupPathParamsSchema) path: BackupPath, @RequestId() requestId: string, @CallerOf() caller: Caller): Promise<VerificationRef> {
    return this.phones.verifyBackup(path.userId, path.index, caller.kind === 'api_key' ? caller.apiKey : undefined, requestId);
  }

  /** An operator may look too (the settings page's demo box), and sees the phones masked, as everywhere. */
  @Get()
  @Auth('api-key-or-operator')
  async get(@ValidParams(UserPathParamsSchema) path: UserPath, @CallerOf() caller: Caller): Promise<PhoneSettingsView> {
    const settings = await this.phones.get(path.userId);
    return caller.kind === 'operator' ? withoutNumbers(settings) : settings;
  }
}
