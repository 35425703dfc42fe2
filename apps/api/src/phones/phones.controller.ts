import { Controller, Get, HttpCode, Put } from '@nestjs/common';
import { type PhoneSettingsInput, PhoneSettingsInputSchema, type PhoneSettingsView, UserPathParamsSchema } from '@redial/contracts';
import { Idempotent, IdempotencyOf, type IdempotentRequest } from '../common/idempotency.interceptor';
import { RequestId } from '../common/request-context';
import { ValidBody, ValidParams } from '../common/zod-validation.pipe';
import { PhonesService } from './phones.service';

type UserPath = { userId: string };

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
    return this.phones.save(path.userId, body, requestId, idempotency);
  }

  @Get()
  get(@ValidParams(UserPathParamsSchema) path: UserPath): Promise<PhoneSettingsView> {
    return this.phones.get(path.userId);
  }
}
